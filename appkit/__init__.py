"""Shared Kivy foundation for the kiosk, caller and display apps.

Importing this package does not import Kivy. Modules that need Kivy (theme, ui_thread, widgets, testing)
call :func:`appkit.boot.prepare_kivy` themselves before their first ``import kivy``; an app's ``main()``
should still call ``prepare_kivy(size=..., headless=...)`` first thing so its own choices win.
``appkit.palette`` is pure Python: presenters and their tests may import it without Kivy.
"""
