/* eslint-disable @typescript-eslint/no-require-imports */
import { Aspects, Stage, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { ValidationError } from '../core/errors';
import { REPLICATION_RULES, validationPluginsReach } from '../private/acknowledgments';

/** A cdk-nag rule pack the compliance gate runs. */
export enum CompliancePack {
  /** AWS Solutions (`AwsSolutionsChecks`). */
  AWS_SOLUTIONS = 'AwsSolutions',
  /** NIST 800-53 revision 5 (`NIST80053R5Checks`). */
  NIST_800_53_R5 = 'NIST.800.53.R5',
  /** HIPAA Security (`HIPAASecurityChecks`). */
  HIPAA_SECURITY = 'HIPAA.Security',
  /** PCI DSS 3.2.1 (`PCIDSS321Checks`). */
  PCI_DSS_321 = 'PCI.DSS.321',
}

/** Options of {@link ComplianceGate.apply}. */
export interface ComplianceGateOptions {
  /**
   * The cdk-nag packs to run.
   *
   * @default - all four: AWS Solutions, NIST 800-53 rev 5, HIPAA Security, PCI DSS 3.2.1
   */
  readonly packs?: CompliancePack[];
  /**
   * Whether to run the AWS Control Tower proactive controls (cfn-guard rules, offline).
   *
   * @default true
   */
  readonly controlTowerRules?: boolean;
}


const SINGLE_REGION_REASON = 'Single-region platform: cross-region replication of datasets, models and their access logs '
  + 'is not configured (the dataset store and the registry take a bucket of a second region as `replication`). Versioning keeps '
  + 'overwritten and deleted objects and the buckets outlive the stack, but nothing here survives the loss of the region.';

/**
 * The compliance gate of the default platform, for a team's own app: the cdk-nag AWS Solutions,
 * NIST 800-53 rev 5, HIPAA and PCI DSS packs and the AWS Control Tower guard rules, registered as
 * validation plugins, so that `cdk synth` fails on any finding nobody acknowledged. The library's
 * constructs acknowledge, on the resource concerned and with the reason, what their service
 * forces (wildcards of log streams and instance ids, for example); everything else is reported.
 *
 * cdk-nag and `@cdklabs/cdk-validator-cfnguard` are optional peer dependencies: install them in the
 * app that applies the gate. They are loaded when `apply()` runs, not when the library is imported.
 *
 * @example
 * const app = new App();
 * ComplianceGate.apply(app);
 * new MlProjectStack(app, 'fraud-scoring-prod', { identity });
 */
export class ComplianceGate {
  /**
   * Registers the packs on `app`, before synth. Call it once, on the App: it covers the stacks of
   * nested Stages too (the cdk-nag packs check the whole app even when registered on a Stage, and
   * the Control Tower rules check every template of the stage's assembly, nested ones included).
   * A pack applied twice in one app would report every finding twice, so it is refused.
   */
  public static apply(app: IConstruct, options: ComplianceGateOptions = {}): void {
    if (!Stage.isStage(app)) {
      throw new ValidationError({
        code: 'compliance-gate-scope', scope: app,
        message: 'Validation plugins can only be registered on an App or a Stage.',
        received: app.node.path,
        fix: 'Call ComplianceGate.apply() with the App (or the Stage) that contains the stacks.',
      });
    }
    const packs = options.packs ?? [CompliancePack.AWS_SOLUTIONS, CompliancePack.NIST_800_53_R5, CompliancePack.HIPAA_SECURITY, CompliancePack.PCI_DSS_321];
    if (packs.length === 0 && options.controlTowerRules === false) {
      throw new ValidationError({
        code: 'compliance-gate-empty', scope: app,
        message: 'A compliance gate with no pack and no Control Tower rules checks nothing.',
        received: options,
        fix: 'Name at least one pack, or leave controlTowerRules on; to skip the gate, do not apply it.',
      });
    }
    const wanted: string[] = [...new Set(packs), ...(options.controlTowerRules ?? true ? [CONTROL_TOWER] : [])];
    const applied = appliedChecks(app.node.root);
    const twice = wanted.filter((check) => applied.has(check));
    if (twice.length > 0) {
      throw new ValidationError({
        code: 'compliance-gate-applied-twice', scope: app,
        message: 'These checks are already registered in this app, so each of their findings would be reported twice.',
        received: twice,
        fix: 'Apply the compliance gate once, on the App (it covers the stacks of nested Stages), or name only the packs not yet applied.',
      });
    }
    const plugins = [];
    if (packs.length > 0) {
      const nag = load<typeof import('cdk-nag')>(app, 'cdk-nag', () => require('cdk-nag'));
      const classes: Record<CompliancePack, new (scope: IConstruct) => unknown> = {
        [CompliancePack.AWS_SOLUTIONS]: nag.AwsSolutionsChecks,
        [CompliancePack.NIST_800_53_R5]: nag.NIST80053R5Checks,
        [CompliancePack.HIPAA_SECURITY]: nag.HIPAASecurityChecks,
        [CompliancePack.PCI_DSS_321]: nag.PCIDSS321Checks,
      };
      for (const pack of new Set(packs)) plugins.push(new classes[pack](app));
    }
    if (options.controlTowerRules ?? true) {
      const guard = load<typeof import('@cdklabs/cdk-validator-cfnguard')>(app, '@cdklabs/cdk-validator-cfnguard',
        () => require('@cdklabs/cdk-validator-cfnguard'));
      plugins.push(new guard.CfnGuardValidator({ controlTowerRulesEnabled: true }));
    }
    Validations.of(app).addPlugins(...(plugins as Parameters<Validations['addPlugins']>));
    for (const check of wanted) applied.add(check);
  }

  /**
   * Acknowledges, on every S3 bucket in `scope` (a stack, a project, a dataset store, or the app),
   * the findings of a bucket that is not replicated to another region (NIST 800-53, HIPAA, PCI DSS
   * and Control Tower), with `reason`. For single-region platforms; every other finding on the
   * buckets stays reported. Buckets added to `scope` later are covered too, and so are the buckets
   * of Stages nested in `scope` (an aspect visits the finished tree, and walks into the nested
   * Stages, which aspects do not enter); the acknowledgment sits on the bucket (the L2 `Bucket`, or
   * the `CfnBucket` of a bucket made without one). Called again on an overlapping scope, the
   * reason of the later call is the one reported.
   *
   * @param scope the construct whose buckets are single-region
   * @param reason why the buckets are not replicated, at least 60 characters (default: the library's)
   */
  public static acknowledgeSingleRegion(scope: IConstruct, reason?: string): void {
    const text = reason ?? SINGLE_REGION_REASON;
    if (text.trim().length < 60) {
      throw new ValidationError({
        code: 'acknowledgment-reason-too-short', scope,
        message: 'An acknowledgment is read by auditors; a reason under 60 characters does not say why the finding is acceptable.',
        received: text,
        fix: 'Say why the buckets are not replicated and what protects their data instead.',
      });
    }
    const acknowledge = (node: IConstruct): void => {
      // isCfnBucket, not instanceof: it also recognises buckets of another copy of aws-cdk-lib.
      if (!s3.CfnBucket.isCfnBucket(node)) return;
      // The findings are reported on the L2 bucket (or whatever construct wraps the L1 as its default child).
      const parent = node.node.scope;
      const target = parent !== undefined && parent.node.defaultChild === node ? parent : node;
      // Aspects run once every plugin is registered: with none reaching the bucket, nothing reads these.
      if (!validationPluginsReach(target)) return;
      Validations.of(target).acknowledge(...REPLICATION_RULES.map((id) => ({ id, reason: text })));
    };
    Aspects.of(scope).add({
      visit(node: IConstruct): void {
        acknowledge(node);
        // Aspects stop at Stage boundaries (a nested Stage is synthesized on its own, before this
        // visit). The validation plugins read acknowledgments from the whole tree after every
        // stage is synthesized, so the buckets of nested Stages are acknowledged here.
        for (const child of node.node.children) {
          if (Stage.isStage(child)) child.node.findAll().forEach(acknowledge);
        }
      },
    });
  }

  /** The rule ids {@link acknowledgeSingleRegion} acknowledges. */
  public static singleRegionRules(): string[] {
    return [...REPLICATION_RULES];
  }

  private constructor() {}
}

const CONTROL_TOWER = 'cdk-validator-cfnguard';
const APPLIED_CHECKS = Symbol.for('mlops-constructs.ComplianceGate.applied');

/** The packs (and the Control Tower rules) already applied in the app of `root`. */
function appliedChecks(root: IConstruct): Set<string> {
  const holder = root as unknown as Record<symbol, Set<string> | undefined>;
  if (!holder[APPLIED_CHECKS]) Object.defineProperty(root, APPLIED_CHECKS, { value: new Set<string>() });
  return holder[APPLIED_CHECKS]!;
}

function load<T>(scope: IConstruct, name: string, loader: () => unknown): T {
  try {
    return loader() as T;
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
    throw new ValidationError({
      code: 'compliance-pack-missing', scope,
      message: `The compliance gate needs ${name}, an optional peer dependency that is not installed.`,
      received: name,
      fix: `Install it in the app: npm install --save-dev ${name} (Python: pip install ${name === 'cdk-nag' ? 'cdk-nag' : 'cdklabs.cdk-validator-cfnguard'}).`,
    });
  }
}
