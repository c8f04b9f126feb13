// The adopter test's checks against the fresh app's backend (started by
// adopter-test.sh): readiness, the list API with a guest token, a PUT, a
// read through the consumer plugin, a misspelled name rejected, a secret
// declared in app-config alone settable, a stored app-config secret read
// live, and the allow-all warning exactly when the app runs allow-all.
// Usage: node check.mjs BASE_URL BACKEND_PID allow-all|secrets-policy
const [baseUrl, pid, policy] = process.argv.slice(2);
const VALUE = 'adopter-test-value-not-a-real-key';

function expect(condition, message, detail) {
  if (!condition) {
    throw new Error(`${message}${detail ? `: ${JSON.stringify(detail)}` : ''}`);
  }
  console.log(`  ok: ${message}`);
}

async function call(method, path, { token, body } = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body && { 'content-type': 'application/json' }),
      'x-requested-with': 'XMLHttpRequest',
    },
    body: body && JSON.stringify(body),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

const started = Date.now();
for (;;) {
  try {
    process.kill(Number(pid), 0);
  } catch {
    throw new Error('The backend exited before it was ready');
  }
  const ready = await call('GET', '/.backstage/health/v1/readiness').catch(
    () => ({}),
  );
  if (ready.status === 200) break;
  if (Date.now() - started > 240_000) {
    throw new Error('The backend was not ready within 240 s');
  }
  await new Promise(resolve => setTimeout(resolve, 1000));
}
const seconds = Math.round((Date.now() - started) / 1000);
expect(true, `backend ready after ${seconds} s`);

const refresh = await call('GET', '/api/auth/guest/refresh');
const token = refresh.body?.backstageIdentity?.token;
expect(refresh.status === 200 && token, 'guest sign-in gives a token', refresh);

const list = await call('GET', '/api/secrets/secrets', { token });
const acme = list.body?.items?.find(item => item.name === 'ACME_API_KEY');
const listed = list.status === 200 && acme?.registered;
expect(
  listed && acme.source === 'unset',
  'the list API shows ACME_API_KEY, registered and unset, to the guest (a manager)',
  list,
);

const { status: anonymous } = await call('GET', '/api/secrets/secrets');
expect(anonymous === 401, 'the list API refuses anonymous callers', anonymous);

const body = { value: VALUE };
const put = await call('PUT', '/api/secrets/secrets/ACME_API_KEY', {
  token,
  body,
});
const { version, updatedBy } = put.body ?? {};
const guest = 'user:development/guest';
expect(
  put.status === 200 && version === 1 && updatedBy === guest,
  'PUT stores a value (version 1, updated by the guest), answering metadata only',
  { status: put.status, version, updatedBy },
);
const echoed = JSON.stringify(put.body).includes(VALUE);
expect(!echoed, 'the PUT response has no value');

const status = await call('GET', '/api/acme/status', { token });
const { configured, length } = status.body ?? {};
expect(
  status.status === 200 && configured === true && length === VALUE.length,
  'the consumer plugin reads the value through secretsServiceRef',
  status,
);

const misspelled = await call('GET', '/api/acme/misspelled', { token });
const message = misspelled.body?.error?.message ?? '';
expect(
  misspelled.status === 404 && /ACME_API_KEYY is not registered/.test(message),
  'reading a name no plugin declares rejects, naming it (404 from the route)',
  misspelled,
);

// "Try it in 1 minute": a secret declared in secrets.definitions only.
const tried = await call('PUT', '/api/secrets/secrets/STATUSPAGE_API_KEY', {
  token,
  body,
});
expect(
  tried.status === 200,
  'a secret from secrets.definitions alone is settable',
  tried,
);

// Lists the secrets until `until(list)` holds (or `turns` tries passed).
async function listUntil(until, turns) {
  for (let turn = 0; ; turn++) {
    const list = await call('GET', '/api/secrets/secrets', { token });
    if (until(list.body) || turn >= turns) return list.body;
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

// README step 7: the fresh app's ${GITHUB_TOKEN} comes from the store, live.
await call('PUT', '/api/secrets/secrets/GITHUB_TOKEN', { token, body });
const findGithub = l => l?.items?.find(item => item.name === 'GITHUB_TOKEN');
const github = findGithub(
  await listUntil(l => findGithub(l)?.lastUsedBy === 'app-config', 60),
);
expect(
  github?.lastUsedBy === 'app-config' &&
    github.appConfig?.paths?.some(p => /^integrations\.github.*token$/.test(p)),
  'a stored GITHUB_TOKEN is read into app-config (integrations.github) live',
  github,
);

// The warning for allow-all: the page is told (the log is checked by the caller).
const allowAll = policy === 'allow-all';
const warns = l => l?.everyoneMayManage === true;
const warned = warns(await listUntil(l => warns(l) === allowAll, 10));
expect(warned === allowAll, `everyoneMayManage is ${warned} with ${policy}`);
