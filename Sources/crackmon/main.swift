import CrackmonCLI

await Crackmon.start()
