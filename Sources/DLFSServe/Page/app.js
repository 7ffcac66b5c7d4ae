// The page of `dlfs serve`: three views over the JSON API (see the README). No libraries, no network
// beyond this server.
"use strict";

const $ = (id) => document.getElementById(id);
const SIDE = 28;

// ---------------------------------------------------------------------------------------------- views

function showView() {
  const name = (location.hash || "#draw").slice(1);
  for (const page of document.querySelectorAll(".page")) page.hidden = page.id !== name;
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("active", link.hash === "#" + name);
  if (name === "mistakes") loadMistakes();
}
window.addEventListener("hashchange", showView);

async function api(path, body) {
  const options = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
  return data;
}

// ---------------------------------------------------------------------------------------------- draw

const pad = $("pad");
const padContext = pad.getContext("2d", { willReadFrequently: true });
let drawing = false, last = null;

function clearPad() {
  padContext.fillStyle = "#000";
  padContext.fillRect(0, 0, pad.width, pad.height);
  $("preview").getContext("2d").clearRect(0, 0, SIDE, SIDE);
  $("predictions").innerHTML = "";
}

function padPoint(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
}

function stroke(from, to) {
  padContext.strokeStyle = "#fff";
  padContext.lineWidth = 26;
  padContext.lineCap = padContext.lineJoin = "round";
  padContext.beginPath();
  padContext.moveTo(from[0], from[1]);
  padContext.lineTo(to[0], to[1]);
  padContext.stroke();
}

pad.addEventListener("pointerdown", (event) => {
  drawing = true;
  pad.setPointerCapture(event.pointerId);
  last = padPoint(event);
  stroke(last, last);
  schedulePrediction();
});
pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  const point = padPoint(event);
  stroke(last, point);
  last = point;
  schedulePrediction();
});
for (const type of ["pointerup", "pointercancel"]) pad.addEventListener(type, () => { drawing = false; schedulePrediction(); });
$("clear").addEventListener("click", clearPad);

// The drawing in MNIST's format: the ink's bounding box scaled (area-averaged, aspect kept) so that its
// longer side is 20 pixels, then placed in 28 × 28 with its centre of mass at the centre. Returns 784
// grey levels (0 paper, 255 ink), or null when nothing is drawn.
function mnistPixels() {
  const { width, height } = pad;
  const rgba = padContext.getImageData(0, 0, width, height).data;
  const ink = new Float32Array(width * height);
  let left = width, right = -1, top = height, bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = rgba[4 * (y * width + x)];
      ink[y * width + x] = v;
      if (v > 0) { left = Math.min(left, x); right = Math.max(right, x); top = Math.min(top, y); bottom = Math.max(bottom, y); }
    }
  }
  if (right < 0) return null;
  const boxWidth = right - left + 1, boxHeight = bottom - top + 1;
  const scale = 20 / Math.max(boxWidth, boxHeight);
  const w = Math.max(1, Math.round(boxWidth * scale)), h = Math.max(1, Math.round(boxHeight * scale));
  const sum = new Float32Array(w * h), count = new Float32Array(w * h);
  for (let y = top; y <= bottom; y++) {
    const ty = Math.min(h - 1, Math.floor((y - top) * h / boxHeight));
    for (let x = left; x <= right; x++) {
      const tx = Math.min(w - 1, Math.floor((x - left) * w / boxWidth));
      sum[ty * w + tx] += ink[y * width + x];
      count[ty * w + tx] += 1;
    }
  }
  let mass = 0, mx = 0, my = 0;
  const small = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    small[i] = count[i] ? sum[i] / count[i] : 0;
    mass += small[i];
    mx += small[i] * ((i % w) + 0.5);
    my += small[i] * (Math.floor(i / w) + 0.5);
  }
  const dx = Math.round(SIDE / 2 - mx / mass), dy = Math.round(SIDE / 2 - my / mass);
  const pixels = new Array(SIDE * SIDE).fill(0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const X = x + dx, Y = y + dy;
      if (X >= 0 && X < SIDE && Y >= 0 && Y < SIDE) pixels[Y * SIDE + X] = Math.min(255, Math.round(small[y * w + x]));
    }
  }
  return pixels;
}

// Paints grey levels (0-255, ink white on black as MNIST's bytes) into a canvas of their size.
function paintGrey(canvas, levels) {
  const context = canvas.getContext("2d");
  const image = context.createImageData(canvas.width, canvas.height);
  for (let i = 0; i < levels.length; i++) {
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = levels[i];
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

// One prediction in flight at a time; a drawing that changed meanwhile is sent when it returns.
let predicting = false, dirty = false;
function schedulePrediction() {
  if (predicting) { dirty = true; return; }
  const pixels = mnistPixels();
  if (!pixels) return;
  paintGrey($("preview"), pixels);
  predicting = true;
  dirty = false;
  api("/api/predict", { pixels })
    .then(showPredictions)
    .catch((error) => { $("predictions").textContent = "Prediction failed: " + error.message; })
    .finally(() => { predicting = false; if (dirty) schedulePrediction(); });
}

function showPredictions(answer) {
  const cards = $("predictions");
  cards.innerHTML = "";
  for (const model of answer.models) {
    const card = document.createElement("div");
    card.className = "card";
    card.dataset.model = model.name;
    card.dataset.prediction = model.prediction;
    card.innerHTML = `<h3>${escapeHTML(model.name)}</h3><div class="verdict">${model.prediction}</div>`;
    card.appendChild(probabilityBars(model.probabilities, model.prediction));
    cards.appendChild(card);
  }
}

function probabilityBars(probabilities, top) {
  const list = document.createElement("div");
  list.className = "bars";
  probabilities.forEach((p, k) => {
    const row = document.createElement("div");
    row.className = "bar-row" + (k === top ? " top" : "");
    row.innerHTML = `<span class="digit">${k}</span><span class="bar"><span style="width:${(100 * p).toFixed(1)}%"></span></span>` +
      `<span class="value">${p.toFixed(3)}</span>`;
    list.appendChild(row);
  });
  return list;
}

function escapeHTML(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// ---------------------------------------------------------------------------------------------- mistakes

const mistakeFilters = { model: null, true: "", predicted: "" };

async function loadModels() {
  const { models } = await api("/api/models");
  const select = $("mistake-model");
  const chosen = mistakeFilters.model || (models[0] && models[0].name);
  select.innerHTML = models.map((m) => `<option${m.name === chosen ? " selected" : ""}>${escapeHTML(m.name)}</option>`).join("");
  mistakeFilters.model = chosen;
}

function fillClassSelect(select, key) {
  select.innerHTML = `<option value="">any</option>` + [...Array(10).keys()].map((k) => `<option>${k}</option>`).join("");
  select.addEventListener("change", () => { mistakeFilters[key] = select.value; loadMistakes(); });
}
fillClassSelect($("filter-true"), "true");
fillClassSelect($("filter-predicted"), "predicted");
$("mistake-model").addEventListener("change", (event) => { mistakeFilters.model = event.target.value; loadMistakes(); });

async function loadMistakes() {
  await loadModels();
  $("filter-true").value = mistakeFilters.true;
  $("filter-predicted").value = mistakeFilters.predicted;
  const query = new URLSearchParams({ model: mistakeFilters.model });
  if (mistakeFilters.true !== "") query.set("true", mistakeFilters.true);
  if (mistakeFilters.predicted !== "") query.set("predicted", mistakeFilters.predicted);
  $("mistake-count").textContent = "Classifying the test set…";
  let report;
  try { report = await api("/api/mistakes?" + query); } catch (error) { $("mistake-count").textContent = error.message; return; }
  const count = $("mistake-count");
  count.dataset.total = report.mistakeCount;
  count.textContent = `${report.model}: ${report.mistakeCount} of ${report.count} ${report.dataset} test images misclassified (accuracy ${report.accuracy})`;
  $("mistake-shown").textContent = `${report.mistakes.length} shown` +
    (report.trueClass != null ? `, true class ${report.trueClass}` : "") + (report.predictedClass != null ? `, predicted ${report.predictedClass}` : "");
  showConfusion(report);
  showMistakeGrid(report.mistakes);
}

function showConfusion(report) {
  const table = $("confusion");
  const max = Math.max(...report.confusion.flatMap((row, t) => row.filter((_, p) => p !== t)), 1);
  let html = "<tr><th></th>" + report.confusion.map((_, p) => `<th>${p}</th>`).join("") + "</tr>";
  report.confusion.forEach((row, t) => {
    html += `<tr><th>${t}</th>` + row.map((n, p) => {
      const selected = String(t) === mistakeFilters.true && String(p) === mistakeFilters.predicted ? " selected" : "";
      const shade = t === p ? "diagonal" : "";
      const alpha = t === p ? 0 : Math.min(1, n / max);
      return `<td class="${shade}${selected}" data-true="${t}" data-predicted="${p}" style="--shade:${alpha}">${n}</td>`;
    }).join("") + "</tr>";
  });
  table.innerHTML = html;
  for (const cell of table.querySelectorAll("td")) {
    cell.addEventListener("click", () => {
      const t = cell.dataset.true, p = cell.dataset.predicted;
      // An off-diagonal cell shows its images, the diagonal every mistake of its true class; again: all.
      const target = t === p ? [t, ""] : [t, p];
      const same = mistakeFilters.true === target[0] && mistakeFilters.predicted === target[1];
      [mistakeFilters.true, mistakeFilters.predicted] = same ? ["", ""] : target;
      loadMistakes();
    });
  }
}

function showMistakeGrid(mistakes) {
  const grid = $("mistake-grid");
  grid.innerHTML = "";
  for (const mistake of mistakes) {
    const item = document.createElement("div");
    item.className = "mistake";
    item.title = `test image ${mistake.index}: ` + mistake.probabilities.map((p, k) => `${k}: ${p.toFixed(3)}`).join(", ");
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = SIDE;
    paintGrey(canvas, Array.from(atob(mistake.pixels), (c) => c.charCodeAt(0)));
    item.appendChild(canvas);
    const p = mistake.probabilities;
    item.insertAdjacentHTML("beforeend",
      `<div class="labels"><span class="predicted">${mistake.prediction}</span> <span class="hint">(${p[mistake.prediction].toFixed(2)})</span>` +
      ` <span class="true">true ${mistake.label}</span> <span class="hint">(${p[mistake.label].toFixed(2)})</span></div>`);
    grid.appendChild(item);
  }
}

// ---------------------------------------------------------------------------------------------- train

const series = { loss: [], train: [], test: [], iterations: 1, perEpoch: 1 };
let events = null;

$("train-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = {};
  for (const [key, value] of form.entries()) {
    const text = String(value).trim();
    if (text === "") continue;
    body[key] = ["lr", "batch-size", "epochs", "seed"].includes(key) ? Number(text) : text;
  }
  setStatus("starting", "Loading the dataset…");
  try {
    await api("/api/train", body);
  } catch (error) {
    setStatus("refused", error.message);
    return;
  }
  listen();
});

$("train-stop").addEventListener("click", () => api("/api/train/stop", {}).catch((error) => setStatus("running", error.message)));
$("train-save").addEventListener("click", async () => {
  try {
    const { saved } = await api("/api/train/save", { name: $("save-name").value });
    setStatus("done", `Saved ${saved}. The model "trained" is on the Draw page.`);
  } catch (error) {
    setStatus("done", "Not saved: " + error.message);
  }
});

function setStatus(state, text) {
  const status = $("train-status");
  status.dataset.state = state;
  status.textContent = text;
  $("train-start").disabled = state === "running" || state === "starting";
  $("train-stop").disabled = state !== "running";
  $("train-save").disabled = state !== "done";
}

// Server-sent events of the run, replayed from its start: a reload of the page shows the run so far.
function listen() {
  if (events) events.close();
  events = new EventSource("/api/train/events");
  const on = (name, handler) => events.addEventListener(name, (event) => handler(JSON.parse(event.data)));
  on("start", (start) => {
    Object.assign(series, { loss: [], train: [], test: [], iterations: start.iterations, perEpoch: start.iterationsPerEpoch });
    setStatus("running", `Training on ${start.dataset}: ${start.iterations} iterations, ${start.optimizer} lr ${start.learningRate}, hidden ${start.hidden.join(",")}`);
    drawCharts();
  });
  on("loss", (point) => { series.loss.push([point.iteration + 1, point.loss]); drawCharts(); });
  on("epoch", (record) => {
    series.train.push([record.iteration, record.trainAccuracy]);
    series.test.push([record.iteration, record.testAccuracy]);
    setStatus("running", `Epoch ${record.epoch}: train accuracy ${record.trainAccuracy.toFixed(4)}, test accuracy ${record.testAccuracy.toFixed(4)}`);
    drawCharts();
  });
  on("done", (done) => {
    events.close();
    series.test.push([done.iterations, done.finalTestAccuracy]);
    drawCharts();
    setStatus("done", `${done.stopped ? "Stopped" : "Finished"} after ${done.iterations} iterations in ${done.seconds.toFixed(1)} s: ` +
      `final test accuracy ${done.finalTestAccuracy}. Draw with the model "${done.model}" on the Draw page.`);
  });
  on("failed", (failure) => { events.close(); setStatus("failed", failure.message); });
  // The stream of an idle server ends at once: no reconnecting.
  events.onerror = () => { events.close(); };
}

function drawCharts() {
  // The loss axis ends at a multiple of 0.4, so that its five ticks are round numbers.
  const lossMax = 0.4 * Math.ceil(Math.max(0.4, ...series.loss.map((p) => p[1])) / 0.4);
  lineChart($("loss-chart"), [{ points: series.loss, colour: "#c0392b" }], series.iterations, 0, lossMax, "iteration", "loss");
  lineChart($("accuracy-chart"), [{ points: series.train, colour: "#2471a3" }, { points: series.test, colour: "#e67e22" }],
    series.iterations, 0, 1, "iteration", "accuracy");
  $("loss-chart").dataset.points = series.loss.length;
  $("accuracy-chart").dataset.points = series.test.length;
}

function lineChart(canvas, lines, xMax, yMin, yMax, xLabel, yLabel) {
  const c = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, L = 52, R = 24, T = 12, B = 36;
  const x = (v) => L + (W - L - R) * v / Math.max(xMax, 1);
  const y = (v) => H - B - (H - T - B) * (v - yMin) / (yMax - yMin);
  c.clearRect(0, 0, W, H);
  c.font = "12px sans-serif";
  c.strokeStyle = "#ccc";
  c.fillStyle = "#444";
  c.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const v = yMin + (yMax - yMin) * i / 4;
    c.beginPath(); c.moveTo(L, y(v)); c.lineTo(W - R, y(v)); c.stroke();
    c.textAlign = "right"; c.fillText(String(+v.toFixed(2)), L - 6, y(v) + 4);
  }
  c.textAlign = "center";
  for (let i = 0; i <= 4; i++) { const v = Math.round(xMax * i / 4); c.fillText(String(v), x(v), H - B + 16); }
  c.fillText(xLabel, (L + W - R) / 2, H - 4);
  c.save(); c.translate(12, (T + H - B) / 2); c.rotate(-Math.PI / 2); c.fillText(yLabel, 0, 0); c.restore();
  for (const line of lines) {
    c.strokeStyle = c.fillStyle = line.colour;
    c.lineWidth = 2;
    c.beginPath();
    line.points.forEach(([px, py], i) => (i ? c.lineTo(x(px), y(Math.min(py, yMax))) : c.moveTo(x(px), y(Math.min(py, yMax)))));
    c.stroke();
    for (const [px, py] of line.points.length < 40 ? line.points : []) { c.beginPath(); c.arc(x(px), y(py), 3, 0, 2 * Math.PI); c.fill(); }
  }
}

// ---------------------------------------------------------------------------------------------- start

clearPad();
drawCharts();
showView();
listen();
