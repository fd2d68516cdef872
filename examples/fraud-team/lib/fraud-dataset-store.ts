import { Construct } from 'constructs';
import { DatasetStore, DatasetStoreProps } from 'mlops-constructs';

/**
 * The fraud team's dataset store: the library's store plus a `labels` zone where the labeling
 * workforce writes chargeback labels (see LabelingCapability).
 */
export class FraudDatasetStore extends DatasetStore {
  constructor(scope: Construct, id: string, props: DatasetStoreProps = {}) {
    super(scope, id, props);
    this.addZone('labels');
  }
}
