// Quick responses' REST calls (docs/api.md, Quick responses).
import { call } from '../api';

export interface QuickResponse {
  id: string;
  owner_agent_id?: string;
  department_id?: string;
  title: string;
  shortcut: string;
  body: string;
  uses: number;
}

export interface QuickInput {
  title: string;
  shortcut: string;
  body: string;
  scope?: 'personal' | 'workspace' | 'department';
  department_id?: string;
}

const path = (id: string) => `/quick-responses/${encodeURIComponent(id)}`;
export const listQuick = () => call<{ items: QuickResponse[] }>('GET', '/quick-responses').then((r) => r.items);
export const createQuick = (q: QuickInput) => call<QuickResponse>('POST', '/quick-responses', q);
export const updateQuick = (id: string, q: QuickInput) => call<QuickResponse>('PATCH', path(id), q);
export const deleteQuick = (id: string) => call<void>('DELETE', path(id));
export const useQuick = (id: string) => call<void>('POST', `${path(id)}/use`);
