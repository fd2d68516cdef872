import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** What {@link warnIfNotRetained} says. @internal */
export interface NotRetainedWarning {
  /** Warning id, after `mlops-constructs:` (`bucket-not-retained`). */
  readonly id: string;
  /** What is removed ("Bucket", "File system"), starting the message. */
  readonly what: string;
  /** What deleting the stack then loses. */
  readonly consequence: string;
}

/**
 * Leaves a warning on `scope` unless `policy` keeps the resource when the stack deletes it
 * (RETAIN, RETAIN_ON_UPDATE_OR_DELETE). SNAPSHOT warns: of the resources that hold data or
 * models here none supports it (aws-cdk-lib ignores it with a warning, and CloudFormation
 * deletes them). @internal
 */
export function warnIfNotRetained(scope: IConstruct, policy: RemovalPolicy, warning: NotRetainedWarning): void {
  if (policy === RemovalPolicy.RETAIN || policy === RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE) return;
  Annotations.of(scope).addWarningV2(`mlops-constructs:${warning.id}`,
    `${warning.what} removal policy is ${policy}: ${warning.consequence}`);
}
