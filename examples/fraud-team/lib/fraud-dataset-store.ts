import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DatasetStore, DatasetStoreProps } from 'mlops-constructs';

/**
 * The fraud team's dataset store: the library's store plus a `labels` zone where the labeling
 * workforce writes chargeback labels, and a grant for the labeling job.
 */
export class FraudDatasetStore extends DatasetStore {
  constructor(scope: Construct, id: string, props: DatasetStoreProps = {}) {
    super(scope, id, props);
    this.addZone('labels');
  }

  /** A labeling job reads raw transactions and writes labels, nothing else. */
  public grantLabelingJob(grantee: iam.IGrantable): iam.Grant {
    return this.grantRead(grantee, 'raw').combine(this.grantWrite(grantee, 'labels'));
  }
}
