import type { AppRouteHandler } from '../../lib/types.js';
import { getMe } from '../../services/user-service.js';
import type { MeRoute } from './me.routes.js';

export const me: AppRouteHandler<MeRoute> = async (c) => {
  const user = await getMe(c.get('user'));
  c.header('Cache-Control', 'private, no-store');
  return c.json({ id: user.id, email: user.email, created_at: user.createdAt.toISOString() }, 200);
};
