/** Runtime configuration, read from `/config.json` (served by the ingress, not built in). */
export interface AppConfig {
  /** The OpenID Connect issuer (Keycloak realm URL). */
  issuer: string;
  clientId: string;
  /** Where `/api/v1/...` and `/ws/...` live, relative to this origin or absolute; ends with `/`. */
  apiBase: string;
  /** The street map's MapLibre style: by default the one the ingress serves at `/map/`, built
   * from OpenStreetMap by tiles/build.sh; any style URL a deployment prefers. Relative URLs are
   * taken against this origin, and those inside the style against the style's own URL. */
  mapStyleUrl: string;
  /** The moderator console. */
  adminUrl: string;
}

export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== 'object' || raw === null) throw new Error('config.json is not an object');
  const value = raw as Record<string, unknown>;
  const text = (key: string, fallback?: string): string => {
    const v = value[key];
    if (typeof v === 'string' && v !== '') return v;
    if (fallback !== undefined) return fallback;
    throw new Error(`config.json lacks "${key}"`);
  };
  let apiBase = text('apiBase', '/');
  if (!apiBase.endsWith('/')) apiBase += '/';
  return {
    issuer: text('issuer').replace(/\/$/, ''),
    clientId: text('clientId'),
    apiBase,
    mapStyleUrl: text('mapStyleUrl', '/map/style.json'),
    adminUrl: text('adminUrl', '/admin/'),
  };
}

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  return parseConfig(await response.json());
}

let current: AppConfig | null = null;

export function setConfig(config: AppConfig): void {
  current = config;
}

export function getConfig(): AppConfig {
  if (!current) throw new Error('The configuration is not loaded yet');
  return current;
}

/** An absolute http(s) URL for an API path such as `api/v1/events/`. */
export function apiUrl(path: string, config: AppConfig = getConfig()): string {
  const base = new URL(config.apiBase, window.location.origin);
  return new URL(path.replace(/^\//, ''), base).toString();
}

/** The ws(s) URL for a socket path such as `ws/groups/<id>/chat/`. */
export function wsUrl(path: string, config: AppConfig = getConfig()): string {
  const url = new URL(apiUrl(path, config));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
