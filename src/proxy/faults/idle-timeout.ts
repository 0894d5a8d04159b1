import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * `idle-timeout=DURATION[,stream=both|up|down]`: destroy the tunnel, with no close frame, after
 * DURATION without traffic in `stream` — nginx `proxy_read_timeout` (60 s, reset only by the
 * upstream's data: `stream=down`), HAProxy `timeout tunnel` (either side: `both`, the default).
 * `reset=` is the older spelling of `stream=` (the registry maps it).
 */
export const idleTimeout: FaultKind = {
  kind: 'idle-timeout',
  summary: 'destroys the tunnel, no close frame (client sees 1006), after that much silence',
  syntax: '`=DURATION`; `stream=both|up|down`: whose traffic restarts the timer (default `both`; `reset=` is the older spelling)',
  mimics: 'nginx `proxy_read_timeout` 60 s (`reset=down`); HAProxy `timeout tunnel` (`both`)',
  create(value, params, spec, attrs) {
    const r = new SpecReader(spec, value, params);
    const ms = r.duration(r.required('a duration such as 60s'), 'idle timeout');
    const reset = attrs.stream ?? 'both';
    return {
      kind: 'idle-timeout',
      spec,
      onTunnel(tunnel, ctx) {
        const timer = setTimeout(() => {
          const whose = reset === 'both' ? 'traffic' : reset === 'up' ? 'client traffic' : 'upstream traffic';
          ctx.log.info({ fault: spec }, `idle for ${ms} ms: dropping the tunnel`);
          tunnel.destroy(`idle-timeout: no ${whose} for ${ms} ms`);
        }, ms);
        const onActivity = (dir: 'up' | 'down') => {
          if (reset === 'both' || reset === dir) timer.refresh();
        };
        tunnel.on('activity', onActivity);
        tunnel.once('closed', () => {
          clearTimeout(timer);
          tunnel.off('activity', onActivity);
        });
      },
    };
  },
};
