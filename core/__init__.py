"""HallQ's domain: pure Python, standard library only. Time and calendar are passed in."""
