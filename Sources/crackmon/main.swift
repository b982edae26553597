import CrackmonCLI
Crackmon.main()
