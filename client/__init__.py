"""The small library the kiosk, caller and display share: API calls, event listener, in-memory fake."""
