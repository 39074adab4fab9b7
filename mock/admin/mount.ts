// How the admin API is reached: its path prefix and its token header. A leaf module, so the parts that must recognise
// admin calls (session guards, scenarios, the journal) need not import the admin router. Every path under the prefix
// belongs to the admin router, never to the FlexFactor routes.

export const ADMIN_PREFIX = '/__admin';
export const ADMIN_TOKEN_HEADER = 'x-mock-admin-token';
