#!/usr/bin/python3
"""The page of `dlfs serve` in a real browser: headless Chromium (Debian's chromium and chromium-driver)
driven by Selenium (python3-selenium).

It starts `dlfs serve` on a free loopback port and checks, with real mouse events:
  - Draw: a stroke drawn on the canvas brings each model's ten probabilities, and a drawn "1" is a 1 for the
    book's chapter-3 weights;
  - Mistakes: the page counts as many misclassified test images as `dlfs infer` implies (10000 − 9352 = 648
    for the chapter-3 weights), lists them, and a click on a confusion-matrix cell filters them;
  - Train: a short run started from the form streams points into the charts and finishes; its model is
    saved and drawn with.
Screenshots of each page go to the output directory (default browser-screenshots/, git-ignored).

    /usr/bin/python3 Tests/Browser/serve_browser_test.py [--dlfs .build/debug/dlfs] [--data ../shared/data]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dlfs", default=".build/debug/dlfs")
    parser.add_argument("--data", default="../shared/data", help="holds mnist/ (the test set) and book/ (the weights)")
    parser.add_argument("--train-dataset", default="fashion-mnist", help="the dataset of the training form's run")
    parser.add_argument("--out", default="browser-screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    mnist, book = os.path.join(args.data, "mnist"), os.path.join(args.data, "book")

    expected_mistakes = mistakes_by_infer(args.dlfs, book, mnist)
    print(f"dlfs infer: {expected_mistakes} mistakes expected")
    with tempfile.TemporaryDirectory() as save_dir, Server(args.dlfs, mnist, book, save_dir) as server, \
            browser(args.chromium, args.chromedriver) as driver:
        driver.get(server.url + "#draw")
        check_draw(driver, args.out)
        check_mistakes(driver, expected_mistakes, args.out)
        check_train(driver, args.train_dataset, save_dir, args.out)
    print("browser tests passed")


def mistakes_by_infer(dlfs, book, mnist):
    """10000 − correct, as `dlfs infer --json` counts them for the chapter-3 weights."""
    output = subprocess.run([dlfs, "infer", "--weights", os.path.join(book, "sample_weight.pkl"), "--data-dir", mnist,
                             "--json"], check=True, capture_output=True, text=True).stdout
    report = json.loads(output)
    return report["count"] - report["correctCount"]


class Server:
    """`dlfs serve --port 0` as a child process; the URL is read from its first line."""

    def __init__(self, dlfs, mnist, book, save_dir):
        self.command = [dlfs, "serve", "--port", "0", "--data-dir", mnist, "--book-dir", book, "--save-dir", save_dir]

    def __enter__(self):
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, text=True)
        deadline = time.time() + 120
        for line in self.process.stdout:
            print("serve:", line.rstrip())
            match = re.search(r"(http://127\.0\.0\.1:\d+/) \(loopback only", line)
            if match:
                self.url = match.group(1)
                return self
            if time.time() > deadline:
                break
        self.process.kill()
        raise SystemExit("dlfs serve did not print its loopback URL")

    def __exit__(self, *error):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise SystemExit("dlfs serve did not stop within 15 s of SIGTERM")


class browser:
    def __init__(self, chromium, chromedriver):
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,960"]:
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(chromedriver), options=options)

    def __enter__(self):
        return self.driver

    def __exit__(self, *error):
        self.driver.quit()


def wait(driver, condition, what, timeout=60):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1,
                             ignored_exceptions=[StaleElementReferenceException]).until(lambda d: condition(d))
    except Exception:
        driver.save_screenshot("browser-failure.png")
        raise SystemExit(f"timed out after {timeout} s waiting for {what} (screenshot: browser-failure.png)")


def check(condition, message):
    if not condition:
        raise SystemExit("FAILED: " + message)
    print("ok:", message)


def draw_stroke(driver, points):
    """A press, moves and a release of the real mouse on the drawing canvas; points are pad pixels (0-280)."""
    pad = driver.find_element(By.ID, "pad")
    actions = ActionChains(driver, duration=10)
    x0, y0 = points[0]
    actions.move_to_element_with_offset(pad, x0 - 140, y0 - 140).click_and_hold()
    for (xa, ya), (xb, yb) in zip(points, points[1:]):
        steps = max(1, int(max(abs(xb - xa), abs(ya - yb)) / 8))
        for _ in range(steps):
            actions.move_by_offset((xb - xa) / steps, (yb - ya) / steps)
    actions.release().perform()


def cards(driver):
    """The prediction cards as one snapshot read in the page (they are re-rendered by every answer)."""
    found = driver.execute_script(
        "return Array.from(document.querySelectorAll('#predictions .card')).map(c => "
        "({name: c.dataset.model, prediction: c.dataset.prediction, bars: c.querySelectorAll('.bar-row').length}));")
    return {card["name"]: card for card in found}


def check_draw(driver, out):
    driver.find_element(By.ID, "clear").click()
    draw_stroke(driver, [(150, 40), (144, 140), (138, 240)])
    wait(driver, lambda d: "chapter-3" in cards(d), "the chapter-3 card after drawing")
    time.sleep(0.5)  # the prediction of the last move
    found = cards(driver)
    for name, card in found.items():
        check(card["bars"] == 10, f"{name}: ten probability bars")
    check(found["chapter-3"]["prediction"] == "1",
          f"a drawn 1 is a 1 for the chapter-3 weights (it says {found['chapter-3']['prediction']})")
    preview = driver.execute_script(
        "const d = document.getElementById('preview').getContext('2d').getImageData(0, 0, 28, 28).data;"
        "let ink = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 0) ink++; return ink;")
    check(20 < preview < 200, f"the 28 × 28 input shows the stroke ({preview} lit pixels)")
    driver.save_screenshot(os.path.join(out, "draw.png"))
    # The README's picture: a 7, in a smaller window.
    driver.set_window_size(980, 860)
    driver.find_element(By.ID, "clear").click()
    draw_stroke(driver, [(70, 55), (215, 55), (175, 140), (130, 245)])
    wait(driver, lambda d: "chapter-3" in cards(d), "the chapter-3 card after drawing a 7")
    time.sleep(0.5)
    print("a drawn 7 is a", cards(driver)["chapter-3"]["prediction"], "for the chapter-3 weights")
    driver.save_screenshot(os.path.join(out, "serve.png"))
    driver.set_window_size(1280, 960)


def check_mistakes(driver, expected, out):
    driver.find_element(By.ID, "tab-mistakes").click()
    count = driver.find_element(By.ID, "mistake-count")
    wait(driver, lambda d: count.get_attribute("data-total"), "the mistake count", timeout=120)
    check(int(count.get_attribute("data-total")) == expected, f"the page counts {count.get_attribute('data-total')} mistakes, dlfs infer {expected}")
    tiles = driver.find_elements(By.CSS_SELECTOR, "#mistake-grid .mistake")
    check(len(tiles) == expected, f"{len(tiles)} misclassified images shown")
    driver.save_screenshot(os.path.join(out, "mistakes.png"))
    cell = driver.find_element(By.CSS_SELECTOR, '#confusion td[data-true="4"][data-predicted="9"]')
    in_cell = int(cell.text)
    cell.click()
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#mistake-grid .mistake")) == in_cell,
         f"the {in_cell} images of the cell true 4, predicted 9")
    labels = [tile.find_element(By.CSS_SELECTOR, ".predicted").text for tile in driver.find_elements(By.CSS_SELECTOR, "#mistake-grid .mistake")]
    check(set(labels) == {"9"}, f"the cell (4, 9) filters to {in_cell} images all predicted 9")
    driver.save_screenshot(os.path.join(out, "mistakes-filtered.png"))


def check_train(driver, dataset, save_dir, out):
    driver.find_element(By.ID, "tab-train").click()
    form = driver.find_element(By.ID, "train-form")
    Select(form.find_element(By.NAME, "dataset")).select_by_visible_text(dataset)
    epochs = form.find_element(By.NAME, "epochs")
    epochs.clear()
    epochs.send_keys("3")
    driver.find_element(By.ID, "train-start").click()
    status = driver.find_element(By.ID, "train-status")
    chart = driver.find_element(By.ID, "loss-chart")
    wait(driver, lambda d: status.get_attribute("data-state") in ("running", "done", "failed", "refused"), "the run to start", timeout=120)
    check(status.get_attribute("data-state") in ("running", "done"), f"the run started: {status.text}")
    # A second start while it runs: the page shows the server's refusal (409).
    if status.get_attribute("data-state") == "running":
        refusal = driver.execute_script(
            "return fetch('/api/train', {method: 'POST', body: '{}'}).then(r => r.status + ' ' + r.statusText);")
        check(refusal.startswith("409"), f"a second start while one runs is refused: {refusal}")
    wait(driver, lambda d: int(chart.get_attribute("data-points") or 0) > 0, "loss points in the chart")
    check(True, f"the loss chart receives points while the run goes ({chart.get_attribute('data-points')} so far)")
    wait(driver, lambda d: status.get_attribute("data-state") in ("done", "failed"), "the run to finish", timeout=300)
    check(status.get_attribute("data-state") == "done", f"the run finished: {status.text}")
    points = int(chart.get_attribute("data-points"))
    accuracy_points = int(driver.find_element(By.ID, "accuracy-chart").get_attribute("data-points"))
    check(points >= 100 and accuracy_points >= 4, f"the charts hold {points} loss points and {accuracy_points} accuracy points")
    final = float(re.search(r"final test accuracy ([0-9]+\.[0-9]+)", status.text).group(1))
    check(final > 0.7, f"the trained net's final test accuracy {final} is well above chance")
    driver.save_screenshot(os.path.join(out, "train.png"))
    driver.find_element(By.ID, "train-save").click()
    wait(driver, lambda d: "Saved" in status.text or "Not saved" in status.text, "the save")
    check(os.path.exists(os.path.join(save_dir, "my-net.safetensors")), f"saved: {status.text}")
    driver.find_element(By.ID, "tab-draw").click()
    driver.find_element(By.ID, "clear").click()
    draw_stroke(driver, [(150, 40), (144, 140), (138, 240)])
    wait(driver, lambda d: "trained" in cards(d), "the trained model's card on the draw page")
    check(cards(driver)["trained"]["bars"] == 10, "the trained model draws too")


if __name__ == "__main__":
    sys.exit(main())
