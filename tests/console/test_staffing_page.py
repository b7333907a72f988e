"""排班测算: the console page runs the simulation for a weekday and a target and shows the plan per hour."""

import json
import re


def test_the_staffing_page_shows_a_plan_per_hour_for_a_target(console):
    manager = console("manager")
    page = manager.get("/console/staffing?weekday=3&minutes=15").get_data(as_text=True)
    assert "排班测算" in page and "周三" in page
    option = json.loads(re.search(r'<script type="application/json" id="plan-option">(.*?)</script>', page, re.S)[1])
    windows = option["series"][0]["data"]
    assert windows and all(isinstance(n, int) for n in windows) and max(windows) >= 1
    assert page.count("<tr") >= len(windows)  # a row per hour


def test_a_clerk_may_not_open_the_staffing_page(console):
    assert console("clerk").get("/console/staffing").status_code in (302, 303, 403)
