import { readEndpoints } from './endpoints';

describe('readEndpoints', () => {
  it('reads an endpoint, its header templates and the stock options', () => {
    const [endpoint] = readEndpoints({
      '/pagerduty': {
        target: 'https://api.pagerduty.com',
        secure: true,
        timeout: 5000,
        allowedMethods: ['get'],
        headers: {
          Authorization: 'Token token={{ secrets.PAGERDUTY_API_TOKEN }}',
          'X-Both': '{{ secrets.A }}:{{ secrets.PAGERDUTY_API_TOKEN }}',
        },
      },
    });
    expect(endpoint).toEqual({
      route: '/pagerduty',
      target: 'https://api.pagerduty.com',
      credentials: 'require',
      headers: [
        {
          name: 'Authorization',
          parts: [{ text: 'Token token=' }, { secret: 'PAGERDUTY_API_TOKEN' }],
        },
        {
          name: 'X-Both',
          parts: [
            { secret: 'A' },
            { text: ':' },
            { secret: 'PAGERDUTY_API_TOKEN' },
          ],
        },
      ],
      secretNames: ['PAGERDUTY_API_TOKEN', 'A'],
      allowedMethods: ['GET'],
      allowedHeaders: undefined,
      reviveRequestBody: false,
      options: { secure: true, timeout: 5000 },
    });
  });

  it('forwards only GET and HEAD to an endpoint whose headers hold a secret, unless configured', () => {
    const [secret, plain] = readEndpoints({
      '/secret': { target: 'https://x', headers: { K: '{{ secrets.K }}' } },
      '/plain': { target: 'https://x', headers: { K: 'literal' } },
    });
    expect(secret.allowedMethods).toEqual(['GET', 'HEAD']);
    expect(plain.allowedMethods).toBeUndefined();
  });

  const withSecret = (extra: object) => ({
    '/x': { target: 'https://x', headers: { K: '{{ secrets.K }}' }, ...extra },
  });

  it.each([
    [
      { followRedirects: true },
      /\.followRedirects is not allowed: a redirect to another host would carry the filled headers there/,
    ],
    [{ router: { a: 'b' } }, /\.router is not allowed: it picks the target/],
    [{ forward: 'https://y' }, /\.forward is not allowed: it sends a copy/],
    [{ toProxy: true }, /\.toProxy is not allowed/],
    [{ ws: true }, /\.ws is not allowed: WebSocket upgrades/],
    [
      { changeOrigin: false },
      /\.changeOrigin: false is refused for an endpoint whose headers hold a secret/,
    ],
    [
      { autoRewrite: true },
      /\.autoRewrite is not an option of secrets\.proxy\.endpoints; the options are target, headers, credentials, allowedMethods, allowedHeaders, reviveRequestBody, changeOrigin, pathRewrite, secure, xfwd, timeout, proxyTimeout\./,
    ],
    [{ timeout: '5s' }, /\.timeout must be a number/],
    [
      { allowedMethods: ['GET', 'trace'] },
      /\.allowedMethods: TRACE is never forwarded/,
    ],
    [{ allowedMethods: ['CONNECT'] }, /CONNECT is never forwarded/],
  ])(
    'refuses %j for an endpoint whose headers hold a secret',
    (extra, message) => {
      expect(() => readEndpoints(withSecret(extra))).toThrow(message);
    },
  );

  it('reads nothing without config', () => {
    expect(readEndpoints(undefined)).toEqual([]);
  });

  it.each([
    [
      { pagerduty: { target: 'https://x' } },
      /\["pagerduty"\]: the route must start with '\/'/,
    ],
    [
      { '/x': 'https://x' },
      /\["\/x"\] must be an object with a target and headers/,
    ],
    [{ '/x': { headers: {} } }, /\["\/x"\].target must be a URL string/],
    [{ '/x': { target: 'not a url' } }, /\["\/x"\].target is not a valid URL/],
    [
      { '/x': { target: 'https://x', credentials: 'maybe' } },
      /\["\/x"\].credentials: unknown credentials policy 'maybe'/,
    ],
    [
      { '/x': { target: 'https://x', headers: { 'Bad Name': 'v' } } },
      /'Bad Name' is not a header name/,
    ],
    [
      {
        '/x': {
          target: 'https://x',
          headers: { 'X-Key': '{{ secrets.A }}', 'x-key': '{{ secrets.B }}' },
        },
      },
      /x-key is given twice/,
    ],
    [
      { '/x': { target: 'https://x', headers: { 'X-Key': '{{ env.HOME }}' } } },
      /\["\/x"\].headers.X-Key: Invalid placeholder '\{\{ env.HOME \}\}'/,
    ],
    [
      { '/x': { target: 'https://x', headers: { 'X-Key': 'a\nb' } } },
      /headers.X-Key holds characters that an HTTP header cannot carry/,
    ],
    [
      { '/x': { target: 'https://x', allowedMethods: 'GET' } },
      /allowedMethods must be a list of strings/,
    ],
  ])('refuses %j', (config, message) => {
    expect(() => readEndpoints(config as any)).toThrow(message);
  });
});
