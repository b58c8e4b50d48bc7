// The numbers a support lead checks every morning (issue 16): a period's
// chats (started, answered, missed, returning, closed) against the period
// before, by day, hour of day and weekday, how fast the first answer came
// and how long chats took, satisfaction by day and what visitors said,
// the tickets and new contacts by day, and each agent's part and time
// online, and what the broadcasts reached. Days are the workspace's (its
// time zone, in Preferences). Every table downloads as CSV. Supervisors
// and above, or granted; its own chunk (Desk.tsx).
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { MANAGE_BROADCASTS } from '../permissions';
import { href } from '../router';
import type { DeskStore } from '../store';
import { Bars, type Part } from './Bars';
import { KINDS, ReachBars, ReachLegend, STATS, STATUSES, StatTiles } from './BroadcastFigures';
import {
  type BroadcastAnalytics,
  broadcastAnalytics,
  type ChatAnalytics,
  type ContactAnalytics,
  chatAnalytics,
  contactAnalytics,
  type Filter,
  type OperatorAnalytics,
  operatorAnalytics,
  type Ratings,
  ratingsOf,
  type TicketAnalytics,
  ticketAnalytics,
} from './api';
import { change, csv, download, duration } from './figures';
import './analytics.css';

/** A table's rows offered as a CSV file. */
function CsvButton({ name, rows }: { name: string; rows: () => (string | number | null)[][] }) {
  return (
    <button type="button" class="btn secondary small" onClick={() => download(name, csv(rows()))}>
      CSV
    </button>
  );
}

/** A bar per day of the period, labelled with its month and day (30 days do not fit 30 labels: every nth). */
function DayBars<D extends { date: string }>({ title, days, parts, pair }: { title: string; days: D[]; parts: (d: D) => Part[]; pair?: boolean }) {
  return <Bars title={title} labels={days.map((d) => d.date.slice(5))} every={Math.ceil(days.length / 15)} pair={pair} bars={days.map(parts)} />;
}

type AgentRow = { id: string; chats?: ChatAnalytics['agents'][number]; time?: OperatorAnalytics['agents'][number] };

/** The agents of the table: those who handled chats, most first, then those who were online or busy. */
function agentRows(data: ChatAnalytics, operators: OperatorAnalytics | null): AgentRow[] {
  const time = new Map((operators?.agents ?? []).map((a) => [a.agent_id, a]));
  const rows: AgentRow[] = data.agents.map((a) => ({ id: a.agent_id, chats: a, time: time.get(a.agent_id) }));
  for (const t of operators?.agents ?? []) {
    if (!data.agents.some((a) => a.agent_id === t.agent_id) && t.online_s + t.busy_s > 0) rows.push({ id: t.agent_id, time: t });
  }
  return rows;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const RANGES = [
  { days: 1, label: 'Today' },
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
];

export function Analytics({ store }: { store: DeskStore }) {
  const [filter, setFilter] = useState<Filter>({ from: '', to: '', days: '7', site_id: '', department_id: '', agent_id: '' });
  const [data, setData] = useState<ChatAnalytics | null>(null);
  const [ratings, setRatings] = useState<Ratings | null>(null);
  const [tickets, setTickets] = useState<TicketAnalytics | null>(null);
  const [contacts, setContacts] = useState<ContactAnalytics | null>(null);
  const [operators, setOperators] = useState<OperatorAnalytics | null>(null);
  const [broadcasts, setBroadcasts] = useState<BroadcastAnalytics | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    // A slower answer to an earlier filter must not replace this one's.
    let live = true;
    setError('');
    // The other sections come as they may: one that fails leaves its part out.
    ticketAnalytics(filter).then((t) => live && setTickets(t), () => live && setTickets(null));
    contactAnalytics(filter).then((c) => live && setContacts(c), () => live && setContacts(null));
    operatorAnalytics(filter).then((o) => live && setOperators(o), () => live && setOperators(null));
    broadcastAnalytics(filter).then((b) => live && setBroadcasts(b), () => live && setBroadcasts(null));
    chatAnalytics(filter).then(
      (d) => {
        if (!live) return;
        setData(d);
        ratingsOf(filter, d.start, d.end).then(
          (r) => live && setRatings(r),
          () => live && setRatings(null),
        );
      },
      (err: unknown) => live && setError(err instanceof ApiError ? err.message : 'The numbers cannot be read right now.'),
    );
    return () => {
      live = false;
    };
  }, [filter]);

  const pick = (days: number) => setFilter({ ...filter, from: '', to: '', days: String(days) });
  const range = Number(filter.days) || 0;
  const name = (id: string) => store.agentName(id) ?? 'Removed agent';

  return (
    <main class="analytics" aria-labelledby="analytics-title">
      <header class="analytics-head">
        <h1 id="analytics-title">Analytics</h1>
        <div class="tabs" role="group" aria-label="Period">
          {RANGES.map((r) => (
            <button key={r.days} type="button" class={range === r.days ? 'tab on' : 'tab'} aria-pressed={range === r.days} onClick={() => pick(r.days)}>
              {r.label}
            </button>
          ))}
        </div>
        <label class="field-inline">
          From
          <input type="date" value={data?.from ?? ''} onChange={(e) => setFilter({ ...filter, days: '', from: e.currentTarget.value, to: data?.to ?? '' })} />
        </label>
        <label class="field-inline">
          To
          <input type="date" value={data?.to ?? ''} onChange={(e) => setFilter({ ...filter, days: '', to: e.currentTarget.value, from: data?.from ?? '' })} />
        </label>
      </header>
      <div class="analytics-filters" role="search">
        <select aria-label="Site" value={filter.site_id} onChange={(e) => setFilter({ ...filter, site_id: e.currentTarget.value })}>
          <option value="">Every site</option>
          {store.sites.value.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <select aria-label="Department" value={filter.department_id} onChange={(e) => setFilter({ ...filter, department_id: e.currentTarget.value })}>
          <option value="">Every department</option>
          {store.departments.value.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
        <select aria-label="Agent" value={filter.agent_id} onChange={(e) => setFilter({ ...filter, agent_id: e.currentTarget.value })}>
          <option value="">Every agent</option>
          {[...store.agents.value.values()].map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
        <select aria-label="Channel" disabled title="The web chat is the only channel yet">
          <option>Web chat</option>
        </select>
        {data && <span class="muted">Days in {data.time_zone}</span>}
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {!data ? (
        !error && <p class="muted">Loading…</p>
      ) : (
        <>
          <section class="tiles" aria-label="Totals">
            {(['started', 'answered', 'missed', 'returning', 'closed'] as const).map((k) => (
              <div key={k} class={`tile ${k}`}>
                <span class="tile-label">{k[0].toUpperCase() + k.slice(1)}</span>
                <strong class="tile-value">{data.totals[k]}</strong>
                <span class="tile-change muted" title={`The ${data.days.length} days before: ${data.previous[k]}`}>
                  {change(data.totals[k], data.previous[k]) || 'new'} vs before
                </span>
              </div>
            ))}
            <div class="tile">
              <span class="tile-label">First answer</span>
              <strong class="tile-value">{duration(data.first_response.median_s)}</strong>
              <span class="tile-change muted">median; 90 % within {duration(data.first_response.p90_s)}</span>
            </div>
            <div class="tile">
              <span class="tile-label">Resolution</span>
              <strong class="tile-value">{duration(data.resolution.median_s)}</strong>
              <span class="tile-change muted">median; 90 % within {duration(data.resolution.p90_s)}</span>
            </div>
            {ratings && (
              <div class="tile">
                <span class="tile-label">Satisfaction</span>
                <strong class="tile-value">{ratings.score === null ? '—' : `${Math.round(ratings.score * 100)} %`}</strong>
                <span class="tile-change muted">
                  {ratings.good} good, {ratings.bad} bad
                </span>
              </div>
            )}
          </section>

          <section class="panel" aria-labelledby="by-day">
            <div class="panel-head">
              <h2 id="by-day">Chats by day</h2>
              <span class="legend">
                <i class="answered" /> answered <i class="missed" /> missed <i class="waiting" /> waiting
              </span>
              <CsvButton name={`chats-${data.from}-${data.to}.csv`} rows={() => [['date', 'started', 'answered', 'missed', 'returning', 'closed'], ...data.days.map((d) => [d.date, d.started, d.answered, d.missed, d.returning, d.closed])]} />
            </div>
            <DayBars
              title={`Chats started each day from ${data.from} to ${data.to}`}
              days={data.days}
              parts={(d) => [
                { value: d.answered, tone: 'answered', label: 'answered' },
                { value: d.missed, tone: 'missed', label: 'missed' },
                { value: d.started - d.answered - d.missed, tone: 'waiting', label: 'waiting' },
              ]}
            />
          </section>

          <div class="panel-row">
            <section class="panel" aria-labelledby="by-hour">
              <div class="panel-head">
                <h2 id="by-hour">By hour of day</h2>
                <CsvButton name={`chats-by-hour-${data.from}-${data.to}.csv`} rows={() => [['hour', 'started'], ...data.hours.map((n, h) => [h, n])]} />
              </div>
              <Bars title="Chats started by hour of day" labels={data.hours.map((_, h) => String(h))} every={3} bars={data.hours.map((n) => [{ value: n, tone: 'started', label: 'started' }])} />
            </section>
            <section class="panel" aria-labelledby="by-weekday">
              <div class="panel-head">
                <h2 id="by-weekday">By weekday</h2>
                <CsvButton name={`chats-by-weekday-${data.from}-${data.to}.csv`} rows={() => [['weekday', 'started'], ...data.weekdays.map((n, i) => [WEEKDAYS[i], n])]} />
              </div>
              <Bars title="Chats started by weekday" labels={WEEKDAYS} bars={data.weekdays.map((n) => [{ value: n, tone: 'started', label: 'started' }])} />
            </section>
          </div>

          {data.days.some((d) => d.good + d.bad > 0) && (
            <section class="panel" aria-labelledby="satisfaction">
              <div class="panel-head">
                <h2 id="satisfaction">Satisfaction by day</h2>
                <span class="legend">
                  <i class="good" /> good <i class="bad" /> bad
                </span>
                <CsvButton name={`ratings-by-day-${data.from}-${data.to}.csv`} rows={() => [['date', 'good', 'bad', 'score'], ...data.days.map((d) => [d.date, d.good, d.bad, d.good + d.bad ? Math.round((d.good / (d.good + d.bad)) * 100) / 100 : null])]} />
              </div>
              <DayBars
                title={`Ratings given each day from ${data.from} to ${data.to}`}
                days={data.days}
                parts={(d) => [
                  { value: d.good, tone: 'good', label: 'good' },
                  { value: d.bad, tone: 'bad', label: 'bad' },
                ]}
              />
            </section>
          )}

          <section class="panel" aria-labelledby="by-agent">
            <div class="panel-head">
              <h2 id="by-agent">Agents</h2>
              <CsvButton name={`agents-${data.from}-${data.to}.csv`} rows={() => [
                      ['agent', 'chats', 'messages', 'first answer median (s)', 'first answer p90 (s)', 'good ratings', 'bad ratings', 'online (s)', 'busy (s)', 'offline (s)'],
                      ...agentRows(data, operators).map((a) => {
                        const r = ratings?.agents.find((x) => x.agent_id === a.id);
                        return [name(a.id), a.chats?.chats ?? 0, a.chats?.messages ?? 0, a.chats?.first_response.median_s ?? null, a.chats?.first_response.p90_s ?? null,
                          r?.good ?? 0, r?.bad ?? 0, a.time?.online_s ?? null, a.time?.busy_s ?? null, a.time?.offline_s ?? null];
                      }),
                    ]} />
            </div>
            {agentRows(data, operators).length === 0 ? (
              <p class="muted">No agent handled a chat or was online in these days.</p>
            ) : (
              <table class="analytics-table">
                <thead>
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col">Chats</th>
                    <th scope="col">Messages</th>
                    <th scope="col">First answer (median)</th>
                    <th scope="col">Ratings</th>
                    <th scope="col">Online</th>
                    <th scope="col">Busy</th>
                    <th scope="col">Offline</th>
                  </tr>
                </thead>
                <tbody>
                  {agentRows(data, operators).map((a) => {
                    const r = ratings?.agents.find((x) => x.agent_id === a.id);
                    return (
                      <tr key={a.id}>
                        <th scope="row">{name(a.id)}</th>
                        <td>{a.chats?.chats ?? 0}</td>
                        <td>{a.chats?.messages ?? 0}</td>
                        <td>{duration(a.chats?.first_response.median_s ?? null)}</td>
                        <td>{r ? `${r.good} good, ${r.bad} bad` : '—'}</td>
                        <td>{duration(a.time?.online_s ?? null)}</td>
                        <td>{duration(a.time?.busy_s ?? null)}</td>
                        <td>{duration(a.time?.offline_s ?? null)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </section>

          {tickets && (
            <section class="panel" aria-labelledby="tickets">
              <div class="panel-head">
                <h2 id="tickets">Tickets</h2>
                <span class="legend">
                  <i class="created" /> made <i class="closed" /> closed
                </span>
                <CsvButton name={`tickets-${tickets.from}-${tickets.to}.csv`} rows={() => [['date', 'created', 'accepted', 'closed'], ...tickets.days.map((d) => [d.date, d.created, d.accepted, d.closed])]} />
              </div>
              <div class="tiles">
                {(['created', 'accepted', 'closed'] as const).map((k) => (
                  <div key={k} class="tile">
                    <span class="tile-label">{k === 'created' ? 'Made' : k[0].toUpperCase() + k.slice(1)}</span>
                    <strong class="tile-value">{tickets.totals[k]}</strong>
                    <span class="tile-change muted" title={`The ${tickets.days.length} days before: ${tickets.previous[k]}`}>
                      {change(tickets.totals[k], tickets.previous[k]) || 'new'} vs before
                    </span>
                  </div>
                ))}
                <div class="tile">
                  <span class="tile-label">Time to accept</span>
                  <strong class="tile-value">{duration(tickets.time_to_accept.median_s)}</strong>
                  <span class="tile-change muted">median; 90 % within {duration(tickets.time_to_accept.p90_s)}</span>
                </div>
              </div>
              <DayBars
                title={`Tickets made and closed each day from ${tickets.from} to ${tickets.to}`}
                days={tickets.days}
                pair
                parts={(d) => [
                  { value: d.created, tone: 'created', label: 'made' },
                  { value: d.closed, tone: 'closed', label: 'closed' },
                ]}
              />
            </section>
          )}

          {contacts && (
            <section class="panel" aria-labelledby="contacts">
              <div class="panel-head">
                <h2 id="contacts">Contacts</h2>
                <span class="muted">
                  {contacts.new} new ({change(contacts.new, contacts.previous_new) || 'new'} vs before) · {data.totals.returning} chats from returning visitors
                </span>
                <CsvButton name={`contacts-${contacts.from}-${contacts.to}.csv`} rows={() => [['date', 'new contacts', 'chats from returning visitors'], ...contacts.days.map((d, i) => [d.date, d.new, data.days[i]?.returning ?? 0])]} />
              </div>
              <DayBars
                title={`New contacts each day from ${contacts.from} to ${contacts.to}`}
                days={contacts.days}
                parts={(d) => [{ value: d.new, tone: 'started', label: 'new contacts' }]}
              />
            </section>
          )}

          {broadcasts && <BroadcastSection data={broadcasts} links={store.can(MANAGE_BROADCASTS)} />}

          {ratings && ratings.items.length > 0 && (
            <section class="panel" aria-labelledby="comments">
              <div class="panel-head">
                <h2 id="comments">What visitors said</h2>
                <CsvButton name={`ratings-${data.from}-${data.to}.csv`} rows={() => [['rated at', 'rating', 'agent', 'comment'], ...ratings.items.map((i) => [i.rated_at, i.rating, i.agent_id ? name(i.agent_id) : '', i.comment ?? ''])]} />
              </div>
              <ul class="comments">
                {ratings.items.map((i) => (
                  <li key={i.conversation_id} class={i.rating}>
                    <strong>{i.rating === 'good' ? 'Good' : 'Bad'}</strong> “{i.comment}” <span class="muted">· {i.agent_id ? name(i.agent_id) : 'no agent'} · {new Date(i.rated_at).toLocaleDateString()}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </main>
  );
}

/** What the broadcasts did in the period: in all, by day, and each one (the site, department and agent filters do not apply: broadcasts are the workspace's). */
function BroadcastSection({ data, links }: { data: BroadcastAnalytics; links: boolean }) {
  return (
    <section class="panel" aria-labelledby="broadcasts-head">
      <div class="panel-head">
        <h2 id="broadcasts-head">Broadcasts</h2>
        <ReachLegend />
        <CsvButton
          name={`broadcasts-${data.from}-${data.to}.csv`}
          rows={() => [['broadcast', 'kind', 'status', ...STATS.map((s) => s.key)], ...data.broadcasts.map((b) => [b.name, b.kind, b.status, ...STATS.map((s) => b[s.key])])]}
        />
      </div>
      {/* Said, so a narrowed view is not read as these figures narrowed too. */}
      <p class="muted">The site, department and agent filters do not apply to broadcasts: they are the workspace's.</p>
      <StatTiles stats={data.totals} label="Every broadcast" />
      <ReachBars title={`Visitors reached and times shown each day from ${data.from} to ${data.to}`} days={data.days} />
      {data.broadcasts.length === 0 ? (
        <p class="muted">No broadcast was shown in these days.</p>
      ) : (
        <table class="analytics-table">
          <thead>
            <tr>
              <th scope="col">Broadcast</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              {STATS.map((s) => (
                <th key={s.key} scope="col">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.broadcasts.map((b) => (
              <tr key={b.id}>
                <th scope="row">{links ? <a href={href({ area: 'broadcasts', id: b.id })}>{b.name}</a> : b.name}</th>
                <td>{KINDS[b.kind] ?? b.kind}</td>
                <td>{STATUSES[b.status] ?? b.status}</td>
                {STATS.map((s) => (
                  <td key={s.key}>{b[s.key]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
