import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** A stand-in for the secrets backend: outside the client under test. */
export function startFakeBackend() {
  const values = new Map<string, string>();
  const requests: Array<{ url: string; authorization?: string }> = [];
  const counter = { watermark: 0, reads: 0 };
  let failNext = false;
  const server: Server = createServer((req, res) => {
    if (req.url === '/changes/watermark') {
      // The change counter the client polls: counted apart from reads.
      counter.reads += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ watermark: String(counter.watermark) }));
      return;
    }
    requests.push({ url: req.url!, authorization: req.headers.authorization });
    const url = new URL(req.url!, 'http://fake');
    const base = decodeURIComponent(url.pathname.split('/')[2]);
    // An entity's value is kept as `NAME@entityRef`; without one, the
    // default (the value of NAME) answers.
    const entityRef = url.searchParams.get('entityRef');
    const name =
      entityRef && values.has(`${base}@${entityRef}`)
        ? `${base}@${entityRef}`
        : base;
    res.setHeader('content-type', 'application/json');
    if (failNext) {
      failNext = false;
      res.statusCode = 503;
      res.end(
        JSON.stringify({
          error: { name: 'ServiceUnavailableError', message: 'down' },
        }),
      );
    } else if (values.has(name)) {
      res.end(JSON.stringify({ value: values.get(name) }));
    } else {
      res.statusCode = 404;
      res.end(
        JSON.stringify({
          error: {
            name: 'NotFoundError',
            message: `Secret ${name} is not set. An admin can set it.`,
          },
          response: { statusCode: 404 },
        }),
      );
    }
  });
  return new Promise<{
    server: Server;
    values: Map<string, string>;
    requests: typeof requests;
    failOnce: () => void;
    /** the change counter the client polls, and how often it was read */
    counter: typeof counter;
    baseUrl: string;
  }>(resolve =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        values,
        requests,
        failOnce: () => {
          failNext = true;
        },
        counter,
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      }),
    ),
  );
}
