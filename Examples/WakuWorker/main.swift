print("waku-worker")
