/**
 * Users exist from their first authenticated call: the first request of a user this process has
 * not seen registers them (idempotently: registering twice records nothing), then they are
 * remembered. The dev-token route registers with the display name it is given.
 */
import { handleCommand } from '../application/handle-command.js';
import { userDecider } from '../domain/user/decider.js';
import { userStream, type Plan } from '../domain/user/events.js';
import type { Position } from '../gateways/event-store/port.js';
import type { Principal } from './auth.js';
import type { ApiDeps } from './context.js';

const REMEMBERED = 100_000;

export class Registrations {
  private readonly known = new Set<string>();

  constructor(private readonly deps: ApiDeps) {}

  async ensure(principal: Principal, correlationId: string): Promise<void> {
    if (this.known.has(principal.userId)) return;
    await this.register(principal.userId, principal.displayName ?? principal.userId, correlationId);
  }

  /**
   * Registers the user if they are new, and sets the plan and country given (dev tokens);
   * returns the position of their stream's last event.
   */
  async register(userId: string, displayName: string, correlationId: string, subscription: { plan?: Plan; country?: string | null } = {}): Promise<Position | undefined> {
    let result = await handleCommand(
      this.deps.store,
      userDecider,
      userStream(userId),
      { type: 'RegisterUser', userId, displayName, at: this.deps.now().toISOString() },
      { actorId: userId, correlationId },
    );
    if (subscription.plan !== undefined || subscription.country !== undefined) {
      const changed = await handleCommand(
        this.deps.store,
        userDecider,
        userStream(userId),
        { type: 'ChangeSubscription', userId, plan: subscription.plan, country: subscription.country, at: this.deps.now().toISOString() },
        { actorId: userId, correlationId },
      );
      if (changed.position) result = changed;
    }
    if (this.known.size >= REMEMBERED) this.known.clear();
    this.known.add(userId);
    return result.position;
  }
}
