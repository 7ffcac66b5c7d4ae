-- Load for `dlfs serve`: POST /api/predict with one drawn digit (a vertical bar, a "1") from every
-- connection, as fast as each answer comes back.
--
--   dlfs serve --port 8080 --no-book-models --weights sample_weight.pkl --data-dir ../shared/data/mnist &
--   wrk -t1 -c16 -d10s --latency -s bench/serve_predict.lua http://127.0.0.1:8080/api/predict
--
-- wrk's own report gives the latency percentiles and counts non-2xx answers; the last line repeats
-- p50/p90/p99 in milliseconds.
local pixels = {}
for row = 0, 27 do
  for column = 0, 27 do
    pixels[#pixels + 1] = (column >= 13 and column <= 15 and row >= 4 and row <= 23) and 255 or 0
  end
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"pixels": [' .. table.concat(pixels, ",") .. ']}'

done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("predict: %d requests, %d errors, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms\n",
    summary.requests, errors, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
