"""The clerk's window app (呼叫器): `hallq caller --server URL --window N`."""
