import { Acknowledgment, Stage, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The rule ids of the findings a bucket without cross-region replication raises. @internal */
export const REPLICATION_RULES: readonly string[] = [
  'NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled',
  'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
  'PCI.DSS.321::PCI.DSS.321-S3BucketReplicationEnabled',
  'cdk-validator-cfnguard::s3_bucket_replication_enabled_check',
];

/**
 * Namespaces whose findings aws-cdk-lib produces with no plugin registered: construct annotations
 * (an id without a namespace is an annotation id) and the built-in CloudFormation validation.
 */
const BUILT_IN_NAMESPACES = ['Annotation', 'annotation', 'Construct-Annotations', 'CloudFormation-Validate'];

function forBuiltIns(rule: Acknowledgment): boolean {
  const separator = rule.id.indexOf('::');
  return separator < 0 || BUILT_IN_NAMESPACES.includes(rule.id.slice(0, separator));
}

/**
 * Whether a validation plugin registered on a Stage that contains `scope` (the App included)
 * checks `scope`'s stack. Only such plugins (cdk-nag packs, cfn-guard: ComplianceGate.apply())
 * read acknowledgments of their findings. When aws-cdk-lib no longer tells, assumes one does.
 * @internal
 */
export function validationPluginsReach(scope: IConstruct): boolean {
  for (const s of scope.node.scopes) {
    if (!Stage.isStage(s)) continue;
    const plugins = (s as unknown as { readonly _validationPlugins?: readonly unknown[] })._validationPlugins;
    if (!Array.isArray(plugins) || plugins.length > 0) return true;
  }
  return false;
}

/**
 * `Validations.of(scope).acknowledge(...rules)`, without its cost when nothing would read the
 * acknowledgments: aws-cdk-lib records each with a stack trace, about 0.1 ms apiece. When a
 * validation plugin reaches `scope` (the usual order: ComplianceGate.apply() on the App first),
 * or a rule belongs to annotations or the built-in CloudFormation validation, the rules are
 * acknowledged at once, exactly as Validations does. Otherwise the plugin rules wait for synth:
 * a plugin registered on the App later still finds them acknowledged (with the synth-time call
 * as the acknowledgment's stack trace), and with no plugin at all none is recorded.
 * @internal
 */
export function acknowledge(scope: IConstruct, ...rules: Acknowledgment[]): void {
  if (rules.every(forBuiltIns) || validationPluginsReach(scope)) {
    Validations.of(scope).acknowledge(...rules);
    return;
  }
  const now = rules.filter(forBuiltIns);
  if (now.length > 0) Validations.of(scope).acknowledge(...now);
  const later = rules.filter((r) => !forBuiltIns(r));
  let done = false;
  // Validations run after aspects and before the plugins, which read acknowledgments last.
  scope.node.addValidation({
    validate: () => {
      if (!done && validationPluginsReach(scope)) {
        done = true;
        Validations.of(scope).acknowledge(...later);
      }
      return [];
    },
  });
}

/**
 * Acknowledges what the compliance packs find on a Lambda function that only CloudFormation
 * invokes, during deployment, to call AWS APIs (a custom resource's handler): it runs outside the
 * VPC (`outside` says why that is right) and has no concurrency limit or dead-letter queue, which
 * would only delay or hide a failed deployment that CloudFormation reports and rolls back. @internal
 */
export function acknowledgeDeploymentFunction(fn: IConstruct, outside: string): void {
  const once = 'CloudFormation invokes the function once per deployment and waits for its answer: a concurrency limit or a dead-letter queue would only delay or hide a failure, which CloudFormation reports and rolls back.';
  acknowledge(fn,
    ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({ id: `${pack}::${pack}-LambdaInsideVPC`, reason: outside })),
    { id: 'cdk-validator-cfnguard::lambda_inside_vpc_check', reason: outside },
    ...['NIST.800.53.R5', 'HIPAA.Security'].flatMap((pack) => [
      { id: `${pack}::${pack}-LambdaConcurrency`, reason: once },
      { id: `${pack}::${pack}-LambdaDLQ`, reason: once },
    ]),
  );
}

/**
 * Acknowledges the encryption findings on a log group that holds no data (`reason` says what it
 * holds): CloudWatch Logs encrypts it with its own key. @internal
 */
export function acknowledgePlainLogGroup(logGroup: IConstruct, reason: string): void {
  acknowledge(logGroup,
    ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({ id: `${pack}::${pack}-CloudWatchLogGroupEncrypted`, reason })),
    { id: 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check', reason },
  );
}
