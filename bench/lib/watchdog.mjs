// Preloaded (`node --import`) into every server the bench starts: the server dies with the bench
// (its parent going away re-parents it) and never outlives BENCH_MAX_LIFE_MS. One idle timer.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
}, 1000).unref();
const max = Number(process.env.BENCH_MAX_LIFE_MS ?? 0);
if (max > 0) setTimeout(() => process.kill(process.pid, 'SIGKILL'), max).unref();
