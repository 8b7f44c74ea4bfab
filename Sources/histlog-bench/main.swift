import HistLog
print("histlog-bench")
