import { useEffect } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorBox, useApi, when } from '../common.jsx';

// settled is a call's answer or its error, so that one failing call
// leaves the rest of the page shown.
async function settled(p) {
  try {
    return { value: await p };
  } catch (error) {
    return { error };
  }
}

// tested is whether the agents' listing has a source onboarding report
// for ip (none: the report is not asked for, which would answer 404).
function tested(agents, ip) {
  if (!agents.value) return true;
  return agents.value.agents.some((a) => (a.addrs || []).includes(ip) && a.onboarding.some((o) => o.role === 'source'));
}

// load reads what the page shows: the sources, the agents, and each
// source's onboarding report and atlas build.
async function load() {
  const [srcs, agents] = await Promise.all([settled(get('/api/v1/sources')), settled(get('/api/v2/agents'))]);
  const list = srcs.value ? srcs.value.srcs : [];
  const sources = await Promise.all(list.map(async (s) => {
    const ip = encodeURIComponent(s.ip);
    const [report, atlas] = await Promise.all([
      tested(agents, s.ip) ? settled(get(`/api/v1/sources/${ip}/onboarding`)) : { none: true },
      settled(get(`/api/v2/atlas/status/${ip}`)),
    ]);
    return { ...s, report, atlas };
  }));
  return { sourcesError: srcs.error, sources, agentsError: agents.error, agents: agents.value ? agents.value.agents : [], at: new Date().toISOString() };
}

// Time is a date the API gave, readable, with the exact value for
// machines and assistive technology.
function Time({ t }) {
  return t ? <time datetime={t}>{when(t)}</time> : <span>—</span>;
}

// Verdict says passed or failed in words and a mark, never by colour
// alone.
function Verdict({ passed }) {
  return passed ? <span class="st-reaches">✓ passed</span> : <span class="st-failed">✗ failed</span>;
}

const notTested = (e) => e && e.status === 404;

function Onboarding({ report }) {
  if (report.none) return <span class="muted">not tested yet (no agent has reported for it)</span>;
  if (report.error) {
    return notTested(report.error) ? <span class="muted">not tested yet</span> : <ErrorBox error={report.error} what="Onboarding report" />;
  }
  const r = report.value;
  return <span><Verdict passed={r.passed} /> <span class="muted">by {r.agent}, <Time t={r.tested} /></span></span>;
}

function Atlas({ atlas }) {
  if (atlas.error) return <ErrorBox error={atlas.error} what="Atlas status" />;
  const a = atlas.value;
  if (a.state === 'none') return <span class="muted">none yet (POST /api/v1/atlas/run builds it)</span>;
  return (
    <span>
      <span class={a.state === 'done' ? 'st-reaches' : a.state === 'failed' ? 'st-failed' : 'st-running'} data-field="atlas-state">{a.state}</span>
      {a.stale ? ' (stale: rebuilt at the next refresh)' : ''}
      {' · '}<span data-field="atlas-paths">{a.paths}</span> paths from {a.traces} traceroutes, {a.rrPings} RR pings
      {a.pathsProvider ? <> by <span data-field="atlas-paths-provider">{a.pathsProvider}</span></> : ''}
      {a.state !== 'done' && a.provider ? `; last build by ${a.provider}` : ''}{a.finished ? <>, finished <Time t={a.finished} /></> : null}
      {a.error ? <span class="st-failed">: {a.error}</span> : null}
    </span>
  );
}

// Report is a source's onboarding checks, one row each.
function Report({ s }) {
  if (!s.report.value) return null;
  const r = s.report.value;
  return (
    <details data-testid={`report-${s.ip}`}>
      <summary>Onboarding report of {s.hostname || s.ip}: {r.checks.length} checks</summary>
      <table class="plain">
        <caption class="sr-only">Onboarding checks of {s.ip}</caption>
        <thead><tr><th scope="col">Check</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>
        <tbody>
          {r.checks.map((c) => (
            <tr data-check={c.name}>
              <td class="mono">{c.name}</td>
              <td><Verdict passed={c.passed} />{c.informational ? <span class="muted"> (informational)</span> : null}</td>
              <td>{c.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function roles(a) {
  const out = [];
  if (a.source) out.push('source');
  if (a.vantagePoint) out.push(a.spoof ? 'vantage point (may spoof)' : 'vantage point (never spoofs)');
  return out.join(', ');
}

function onboardings(a) {
  if (!a.onboarding.length) return <span class="muted">not tested yet</span>;
  return a.onboarding.map((o) => (
    <div data-role={o.role}>{o.role === 'source' ? 'source' : 'vantage point'}: <Verdict passed={o.passed} /> <span class="muted"><Time t={o.tested} /></span></div>
  ));
}

function AgentRow({ a }) {
  return (
    <tr data-agent={a.name}>
      <th scope="row" data-field="name">{a.name}</th>
      <td data-field="status" class={a.status === 'connected' ? 'st-reaches' : 'st-failed'}>{a.status}</td>
      <td data-field="roles">{roles(a)}</td>
      <td data-field="addrs" class="mono">{(a.addrs || []).join(' ')}</td>
      <td data-field="version">{a.version || '—'}</td>
      <td data-field="rate">{a.rate ? `${a.rate} pps` : '—'}</td>
      <td data-field="probes">{a.probesSent || 0}</td>
      <td data-field="inflight">{a.inFlight}</td>
      <td data-field="connected"><Time t={a.connected} /></td>
      <td data-field="lastseen"><Time t={a.lastSeen} /></td>
      <td data-field="onboarding">{onboardings(a)}</td>
      <td data-field="quarantine">{a.quarantine || '—'}</td>
    </tr>
  );
}

// Sources shows every source (authorization, onboarding report, atlas)
// and every agent (status, roles, version, rate, last contact,
// onboarding, quarantine), as the API answers now.
// building is whether an atlas of the page's sources is being built.
const building = (data) => data.sources.some((s) => s.atlas.value && !['none', 'done', 'failed'].includes(s.atlas.value.state));

export function Sources() {
  const [data, err, reload] = useApi(load, []);
  // Agents connect, report and go quiet, atlases are built: look again
  // every 10 seconds, every 2 while an atlas is being built; in a hidden
  // tab, once it is shown again.
  useEffect(() => {
    if (!data && !err) return undefined;
    const shown = () => {
      if (document.visibilityState === 'hidden') return;
      document.removeEventListener('visibilitychange', shown);
      reload();
    };
    const t = setTimeout(() => {
      document.addEventListener('visibilitychange', shown);
      shown();
    }, data && building(data) ? 2000 : 10000);
    return () => {
      clearTimeout(t);
      document.removeEventListener('visibilitychange', shown);
    };
  }, [data, err]);
  return (
    <section aria-labelledby="sources-h">
      <h1 id="sources-h">Sources and agents</h1>
      <ErrorBox error={err} what="Sources and agents" />
      <div class="row">
        <button type="button" onClick={reload}>Reload</button>
        {data ? <span class="muted">as of <Time t={data.at} /> (looks again every 10 s)</span> : <span class="muted">loading…</span>}
      </div>
      {data ? <SourcesTable data={data} /> : null}
      {data ? <AgentsTable data={data} /> : null}
    </section>
  );
}

function SourcesTable({ data }) {
  return (
    <>
      <h2>Sources</h2>
      <p class="muted">The hosts reverse paths are measured toward: authorized by an operator, usable once their agent passed onboarding (ping, traceroute and Record Route toward other agents); each has an atlas of traceroutes toward it.</p>
      <ErrorBox error={data.sourcesError} what="Sources" />
      {data.sources.length ? (
        <div class="scroll-x">
          <table class="plain" data-testid="sources">
            <caption class="sr-only">Sources</caption>
            <thead><tr>
              <th scope="col">Address</th><th scope="col">Host name</th><th scope="col">Site</th>
              <th scope="col">Onboarding</th><th scope="col">Atlas</th>
            </tr></thead>
            <tbody>
              {data.sources.map((s) => (
                <tr data-source={s.ip}>
                  <th scope="row" class="mono">{s.ip}</th><td>{s.hostname || '—'}</td><td>{s.site || '—'}</td>
                  <td data-field="onboarding"><Onboarding report={s.report} /></td>
                  <td data-field="atlas"><Atlas atlas={s.atlas} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {!data.sourcesError && !data.sources.length ? <p>No source is authorized: an operator adds them with <code>revtr sources add</code>.</p> : null}
      {data.sources.map((s) => <Report s={s} />)}
    </>
  );
}

function AgentsTable({ data }) {
  return (
    <>
      <h2>Agents</h2>
      <p class="muted">The processes on sources and vantage points that measure for this controller. A vantage point that failed its spoofing test is quarantined with the reason.</p>
      <ErrorBox error={data.agentsError} what="Agents" />
      {data.agents.length ? (
        <div class="scroll-x">
          <table class="plain" data-testid="agents">
            <caption class="sr-only">Agents</caption>
            <thead><tr>
              <th scope="col">Name</th><th scope="col">Status</th><th scope="col">Roles</th><th scope="col">Addresses</th>
              <th scope="col">Version</th><th scope="col">Probing rate</th><th scope="col">Probes sent</th><th scope="col">In flight</th>
              <th scope="col">Connected</th><th scope="col">Last seen</th><th scope="col">Onboarding</th><th scope="col">Quarantine</th>
            </tr></thead>
            <tbody>{data.agents.map((a) => <AgentRow a={a} />)}</tbody>
          </table>
        </div>
      ) : null}
      {!data.agentsError && !data.agents.length ? (
        <p data-testid="no-agents">No agent has reported to this controller: it measures through its built-in backend (the simulator or a lab), or its agents have not connected yet.</p>
      ) : null}
    </>
  );
}
