export interface Config {
  secrets?: {
    /** Configuration of @backstage-secrets/plugin-proxy-backend-module-secrets. */
    proxy?: {
      /**
       * Proxy endpoints whose headers carry secrets from Backstage Secrets,
       * served under `/api/proxy/<route>` like the stock `proxy.endpoints`
       * (a route must not be in both). Each key is a route starting with
       * `/`. The entries take the stock options plus `headers` templates in
       * which `{{ secrets.NAME }}` is replaced, on every request, by the
       * secret's current value (read as the `proxy` plugin; a change on the
       * "Manage secrets" page applies within the secrets client's freshness
       * bound, 500 ms by default, without a restart).
       *
       * An unset secret, or one the proxy plugin may not read (its `readers`
       * leave out `proxy`), answers 503 without calling the target. Every
       * referenced secret must be declared, by a secrets module or in
       * `secrets.definitions`: start-up fails otherwise.
       *
       * An upstream's answer is checked before it is forwarded: one that holds
       * a filled value (an upstream echoing request headers) is refused with
       * 502, and nothing of it reaches the caller; answers must not be
       * content-encoded (the proxy asks for `identity`). Only the options
       * below are accepted: others (`followRedirects`, `router`, `forward`,
       * `toProxy`, `ws`, ...) could send the filled headers to another host
       * and fail start-up.
       */
      endpoints?: {
        [route: string]: {
          /** The URL requests are forwarded to. */
          target: string;
          /**
           * Headers set on every forwarded request. Values are templates:
           * literal text and `{{ secrets.NAME }}` placeholders, e.g.
           * `Authorization: 'Token token={{ secrets.PAGERDUTY_API_TOKEN }}'`.
           * A filled header always replaces a header of the same name sent
           * by the client (whatever its case). The templates are not secret
           * themselves; they are marked so in case a literal value is
           * written into one.
           * @visibility secret
           */
          headers?: { [name: string]: string };
          /**
           * Changes the origin of the host header to the target URL. Default:
           * true; `false` fails start-up for an endpoint whose headers hold a
           * secret (the caller would choose the Host the headers go to).
           */
          changeOrigin?: boolean;
          /**
           * Rewrites the target's URL path; keys are regular expressions.
           * Default: remove `/api/proxy/<route>`.
           */
          pathRewrite?: { [regexp: string]: string };
          /**
           * Only these HTTP methods are forwarded, e.g. `[GET, POST]`.
           * Default for an endpoint whose headers hold a secret: `[GET, HEAD]`.
           * TRACE, TRACK and CONNECT are never forwarded (405).
           */
          allowedMethods?: string[];
          /**
           * Further request and response headers to forward. By default
           * only CORS-safe headers are (as in the stock proxy).
           */
          allowedHeaders?: string[];
          /**
           * `require` (default): the caller must be a signed-in user or a
           * backend plugin, and its token is not forwarded. `forward`: as
           * `require`, and the caller's Authorization header is forwarded
           * (unless a filled header is named Authorization: the filled one
           * wins). `dangerously-allow-unauthenticated`: anyone may call the
           * endpoint, which then spends the secret on their behalf.
           */
          credentials?:
            | 'require'
            | 'forward'
            | 'dangerously-allow-unauthenticated';
          /** Re-streams a body that earlier middleware consumed. */
          reviveRequestBody?: boolean;
          /** Verify the target's TLS certificate. Default: true. */
          secure?: boolean;
          /** Add x-forwarded-* headers. */
          xfwd?: boolean;
          /** Milliseconds to wait for the caller's request (as the stock proxy). */
          timeout?: number;
          /** Milliseconds to wait for the upstream's answer (as the stock proxy). */
          proxyTimeout?: number;
        };
      };
    };
  };
}
