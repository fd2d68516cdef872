import { IConstruct } from 'constructs';
import { ValidationError } from '../errors';

/**
 * The names of the capabilities a project (stack or chart) has bound: each binds once, so a
 * second one of the same name is refused before it builds anything. @internal
 */
export class BoundCapabilities {
  private readonly names = new Set<string>();

  constructor(private readonly project: IConstruct, private readonly what: string) {}

  /** Records `name`, or throws `duplicate-capability`. */
  public add(name: string): void {
    if (this.names.has(name)) {
      throw new ValidationError({
        code: 'duplicate-capability', scope: this.project,
        message: `The ${this.what} already has a capability of this name; each binds once.`,
        received: name, fix: 'Give each capability its own capabilityName, or pass it once.',
      });
    }
    this.names.add(name);
  }
}
