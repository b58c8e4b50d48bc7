// What the Team screen offers to grant (its own chunk: the live desk
// never needs these labels).
import { MANAGE_BOARDS, MANAGE_BROADCASTS, MANAGE_CONTACTS, MANAGE_QUICK_RESPONSES, type Permission, VIEW_ANALYTICS } from '../permissions';

/** The permissions an owner or admin may grant an agent beyond its role, with what the Team screen calls them. */
export const GRANTABLE: readonly { permission: Permission; label: string }[] = [
  { permission: VIEW_ANALYTICS, label: 'View analytics' },
  { permission: MANAGE_BROADCASTS, label: 'Manage broadcasts' },
  { permission: MANAGE_QUICK_RESPONSES, label: 'Manage shared quick responses' },
  { permission: MANAGE_CONTACTS, label: 'Export and erase contacts' },
  { permission: MANAGE_BOARDS, label: 'Manage boards' },
];

