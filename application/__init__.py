"""The application layer: command handlers over a store interface.

`HallService` (service.py) runs every command of the hall — lock → core → one transaction → publish —
over a `HallStore` (store.py): the server's SQLite store or the in-memory one (memory.py) that the
apps' in-memory hall (client.fake.FakeHallApi) uses. No rule is written here twice, or anywhere else.
"""
