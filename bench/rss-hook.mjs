// Preloaded by the benchmark (node --import): reports the process's peak RSS when it exits.
import process from 'node:process';

process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
