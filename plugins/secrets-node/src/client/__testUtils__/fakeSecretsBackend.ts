import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** A stand-in for the secrets backend: outside the client under test. */
export function startFakeBackend() {
  const values = new Map<string, string>();
  const requests: Array<{ url: string; authorization?: string }> = [];
  let failNext = false;
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url!, authorization: req.headers.authorization });
    const name = decodeURIComponent(req.url!.split('/')[2]);
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
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      }),
    ),
  );
}
