// The inspector's views by route name (the part of the location hash before the first slash). Each renders into
// <main> from the live journal and admin API calls.

import { clock } from './clock.js';
import { credentials } from './credentials.js';
import { entry } from './entry.js';
import { journal } from './journal.js';
import { orders } from './orders.js';
import { prerequisites } from './prerequisites.js';
import { scenarios } from './scenarios.js';
import { webhooks } from './webhooks.js';

export const VIEWS = { journal, entry, orders, webhooks, scenarios, clock, prerequisites, credentials };
