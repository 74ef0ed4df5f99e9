print("taboo")
