"""The ticket kiosk (取号机) and the window rating pad (评价器): Kivy apps over the hall server's API.

Presenters (kiosk/presenters.py, kiosk/pad.py) hold the logic without Kivy; kiosk/app.py wires them to
widgets; kiosk/cli.py is ``hallq kiosk``.
"""
