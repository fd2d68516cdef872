import { IConstruct } from 'constructs';

/** Metadata type of the warnings the Kubernetes constructs leave (cdk8s has no annotations). */
const WARNING = 'mlops-constructs:warning';

/**
 * Warnings the library's Kubernetes constructs leave on themselves: choices that synthesize and
 * apply but that the user should know about (checkpoints on storage that cannot rename). cdk8s
 * has no annotations to report them, so an app reads them here after building its charts
 * (the default app prints them).
 */
export class KubernetesWarnings {
  /** Every warning left under `scope` (an App, a chart, a construct), as `<construct path>: <message>`. */
  public static of(scope: IConstruct): string[] {
    return scope.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === WARNING).map((m) => `${c.node.path}: ${String(m.data)}`));
  }

  /** Leaves a warning on `scope`. */
  public static add(scope: IConstruct, message: string): void {
    scope.node.addMetadata(WARNING, message);
  }

  private constructor() {}
}
