import CrackmonCLI

Crackmon.main()
