#!/usr/bin/env python3
"""Drives the collector's dashboard in headless Chromium (Debian's chromium and chromium-driver, with
Selenium from PyPI), as a tenant admin would: signs in, waits for the charts, opens an error and its
trace, finds the audit entry of the sign-in, and checks that event text carrying HTML and script is
shown as text and runs nothing. Saves a screenshot. Run by DashboardBrowserTests (make test), which
starts the services and makes the traffic first. Exits 1 naming the first check that failed."""
import argparse
import json
import os
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("url", "tenant", "email", "password", "trace", "hostile", "screenshot"):
        parser.add_argument("--" + name, required=True)
    args = parser.parse_args()

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,2200", "--disable-gpu"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Chromium leaves its singleton's folder in TMPDIR: give it one of ours, removed at exit.
    scratch = tempfile.TemporaryDirectory(prefix="dashboard-browser-")
    service = Service("/usr/bin/chromedriver", env={**os.environ, "TMPDIR": scratch.name})
    driver = webdriver.Chrome(service=service, options=options)
    wait = WebDriverWait(driver, 20)
    facts = {}

    def check(condition, what):
        if not condition:
            driver.save_screenshot(args.screenshot)
            print(f"dashboard-check: FAILED: {what}", file=sys.stderr)
            for entry in driver.get_log("browser"):
                print(f"  browser: {entry['level']} {entry['message']}", file=sys.stderr)
            raise SystemExit(1)

    try:
        driver.get(args.url)
        check(not driver.find_element(By.ID, "board").is_displayed(), "nothing but the sign-in form shows before signing in")
        form = driver.find_element(By.ID, "signin")
        form.find_element(By.NAME, "tenant").send_keys(args.tenant)
        form.find_element(By.NAME, "email").send_keys(args.email)
        form.find_element(By.NAME, "password").send_keys(args.password)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded"))
        check(driver.find_element(By.ID, "board").is_displayed(), "the board shows after signing in")
        check(not driver.find_element(By.ID, "signin").is_displayed(), "the sign-in form hides")
        check(args.email in driver.find_element(By.ID, "who").text, "the signed-in admin is named")

        # Charts drawn from the traffic: a line with points in each.
        for chart in ("chart-requests", "chart-errors", "chart-latency"):
            dots = driver.find_elements(By.CSS_SELECTOR, f"#{chart} circle")
            check(dots, f"{chart} draws the steps with requests")
            facts[chart] = len(dots)
        requests_line = driver.find_element(By.CSS_SELECTOR, "#chart-requests polyline").get_attribute("points")
        check(len(requests_line.split()) > 1, "the request chart has a line across the window")
        busiest = driver.find_element(By.ID, "busiest").text
        check("/v1/posts" in busiest, "the busiest routes list /v1/posts")

        # The audit trail holds this sign-in.
        audit = driver.find_element(By.ID, "audit").text
        check("login.succeeded" in audit, "the audit trail shows the sign-in")

        # An error, then its trace.
        rows = driver.find_elements(By.CSS_SELECTOR, "#errors tbody tr")
        check(rows, "recent errors are listed")
        rows[0].click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#trace-events tbody tr")) >= 2)
        check(driver.find_element(By.ID, "trace-id").text == args.trace, "the trace of the error opens")
        trace_text = driver.find_element(By.ID, "trace-events").text
        check("blog-service" in trace_text, "the trace lists the blog's events")
        facts["trace_events"] = len(driver.find_elements(By.CSS_SELECTOR, "#trace-events tbody tr"))

        # Attacker-controlled text is text: shown literally, nothing ran, no element was made from it.
        page_text = driver.find_element(By.TAG_NAME, "body").text
        check(args.hostile in page_text, "the hostile user agent is shown literally")
        check(driver.execute_script("return window.__pwned === undefined"), "no script from an event ran")
        check(not driver.find_elements(By.CSS_SELECTOR, "main img, main script, main b"), "no element was made from event text")
        driver.find_element(By.ID, "alerts")  # present
        facts["alerts"] = driver.find_element(By.ID, "alerts").text.split("\n")[0]
        severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        check(not severe, f"no error in the browser console: {severe}")
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(args.screenshot)
        print("dashboard-check: " + json.dumps(facts))
        return 0
    finally:
        driver.quit()
        scratch.cleanup()


if __name__ == "__main__":
    sys.exit(main())
