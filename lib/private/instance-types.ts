import { AcceleratorInstanceType, InstanceTypeUse } from '../core/accelerators';

let families: ReadonlySet<string> | undefined;

/**
 * Whether the library knows the instance family `family` (`p5`, `g6e`, `m7i`): it is in the
 * accelerator catalog or in the SageMaker list of any use. Types of an unknown family are newer
 * than the lists; the constructs warn about them instead of rejecting them, as SageMaker may offer
 * them already. @internal
 */
export function isKnownInstanceFamily(family: string): boolean {
  if (families === undefined) {
    const names = [
      ...AcceleratorInstanceType.all().map((t) => t.ec2Name),
      ...Object.values(InstanceTypeUse).flatMap((use) => AcceleratorInstanceType.typesFor(use)),
    ];
    families = new Set(names.map((name) => AcceleratorInstanceType.of(name).family));
  }
  return families.has(family);
}
