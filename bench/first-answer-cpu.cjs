// Preloaded by bench/start-ab.ts (`node -r`): when the process's first HTTP answer has been sent, write the CPU time
// the process has used so far (all threads, to the microsecond) to stderr. CommonJS so `-r` loads it before the
// server's own modules, whatever their format.

const http = require('node:http');

const emit = http.Server.prototype.emit;
let seen = false;
http.Server.prototype.emit = function watchFirstRequest(event, ...args) {
  if (event === 'request' && !seen) {
    seen = true;
    args[1].once('finish', () => {
      const { user, system } = process.cpuUsage();
      process.stderr.write(`first-answer-cpu-ms ${(user + system) / 1000}\n`);
    });
  }
  return emit.call(this, event, ...args);
};
