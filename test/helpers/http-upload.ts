import { request } from 'node:http';

/**
 * Streams up to `total` bytes (one reused 64 KiB chunk, so the test itself stays small),
 * with or without a Content-Length; stops at the answer. Resolves with the status and
 * how much the client managed to write.
 */
export function upload(port: number, total: number, declareLength: boolean, path = '/slack/events'): Promise<{ status: number | undefined; written: number }> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  return new Promise((resolve) => {
    let written = 0;
    let status: number | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve({ status, written });
    };
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path,
      headers: declareLength ? { 'content-length': String(total) } : { 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      status = res.statusCode;
      res.resume();
      res.on('end', () => setTimeout(finish, 50));
    });
    req.on('error', () => setTimeout(finish, 50));
    req.on('close', () => setTimeout(finish, 50));
    const pump = () => {
      while (!done && status === undefined && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (written >= total) req.end();
    };
    pump();
  });
}

