// The settings area: workspace preferences, sites, team, departments,
// quick responses, API keys, webhooks and WhatsApp numbers.
// It is its own chunk, loaded when first opened (Desk.tsx), so the live
// desk's first load carries none of it.
import { useEffect, useState } from 'preact/hooks';
import { type Department, listDepartments, type Me } from '../api';
import { BLOCK_VISITORS, MANAGE_QUICK_RESPONSES, MANAGE_WORKSPACE, VIEW_ANALYTICS } from '../permissions';
import { Preferences } from '../Preferences';
import { type AdminPage, go, href } from '../router';
import type { DeskStore } from '../store';
import { Departments } from './Departments';
import { Keys } from './Keys';
import { Mail } from './Mail';
import { Profile } from './Profile';
import { Sites } from './Sites';
import { Quick } from './Quick';
import { Team } from './Team';
import { Webhooks } from './Webhooks';
import { WhatsAppSettings } from '../whatsapp/Settings';
import './admin.css';

const PAGES: { page: AdminPage; label: string }[] = [
  { page: 'profile', label: 'Your profile' },
  { page: 'preferences', label: 'Preferences' },
  { page: 'sites', label: 'Sites' },
  { page: 'team', label: 'Team' },
  { page: 'departments', label: 'Departments' },
  { page: 'mail', label: 'E-mail' },
  { page: 'quick', label: 'Quick responses' },
  { page: 'keys', label: 'API keys' },
  { page: 'webhooks', label: 'Webhooks' },
  { page: 'whatsapp', label: 'WhatsApp' },
];

export function Admin({ store, me, page, id }: { store: DeskStore; me: Me; page: AdminPage; id: string }) {
  const editable = store.can(MANAGE_WORKSPACE);
  const [departments, setDepartments] = useState<Department[]>(store.departments.value);
  useEffect(() => {
    listDepartments()
      .then(setDepartments)
      .catch(() => undefined);
  }, []);
  const changeDepartments = (d: Department[]) => {
    setDepartments(d);
    store.departments.value = d; // the live desk's transfer menu follows
  };
  const back = () => go({ area: 'live' });
  return (
    <main class="admin" aria-labelledby="admin-title">
      <nav class="admin-nav" aria-label="Settings">
        <button type="button" class="link back" onClick={back}>
          ← Back to conversations
        </button>
        <h1 id="admin-title">Settings</h1>
        <ul>
          {PAGES.map((p) => (
            <li key={p.page}>
              <a href={href({ area: 'admin', page: p.page, id: '' })} aria-current={p.page === page ? 'page' : undefined} class={p.page === page ? 'on' : ''}>
                {p.label}
              </a>
            </li>
          ))}
        </ul>
        {!editable && <p class="notice small">Only owners and admins change the workspace's settings. You can read them.</p>}
      </nav>
      <div class="admin-page" tabIndex={-1}>
        {page === 'profile' && <Profile me={me} store={store} />}
        {page === 'preferences' && <Preferences editable={editable} canBlock={store.can(BLOCK_VISITORS)} />}
        {page === 'sites' && <Sites id={id} editable={editable} departments={departments} />}
        {page === 'team' && <Team editable={editable} meId={me.agent.id} departments={departments} ratings={store.can(VIEW_ANALYTICS)} live={store.agents.value} />}
        {page === 'departments' && <Departments editable={editable} departments={departments} onChange={changeDepartments} />}
        {page === 'mail' && <Mail editable={editable} />}
        {page === 'quick' && <Quick editable={store.can(MANAGE_QUICK_RESPONSES)} meId={me.agent.id} departments={departments} />}
        {page === 'keys' && <Keys editable={editable} />}
        {page === 'webhooks' && <Webhooks editable={editable} id={id} />}
        {page === 'whatsapp' && <WhatsAppSettings editable={editable} />}
      </div>
    </main>
  );
}
