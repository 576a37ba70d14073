-- wrk script of bench/run's tls-h1 scenario: round-robins the arena's 7 json pairs
-- (ARENA.md §3.6, the json-h2c URIs of §3.15), no extra headers (wrk adds Host).
local paths = { "/json/1?m=3", "/json/5?m=7", "/json/10?m=2", "/json/15?m=5",
                "/json/25?m=4", "/json/40?m=8", "/json/50?m=6" }
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
