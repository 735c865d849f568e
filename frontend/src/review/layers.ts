/**
 * The structures as Cornerstone labelmap segmentations: one segmentation per structure (they
 * overlap: GTV lies inside CTV inside PTV inside Brain), each a labelmap volume on the reference
 * series' grid holding 1 inside. Maps the API's runs (slices ordered as `instances`) onto the
 * volume's own slice order by SOP Instance UID, and back (see ./sliceOrder).
 */
import { cache, volumeLoader, type Types } from '@cornerstonejs/core';
import { Enums as ToolEnums, segmentation } from '@cornerstonejs/tools';
import type { LabelmapJson } from './api';
import { applyLayerStyle, defaultStyle, type LayerStyle } from './layerStyle';
import { runsToVolume, sliceOrderOf, volumeToRuns } from './sliceOrder';

const LABELMAP = ToolEnums.SegmentationRepresentations.Labelmap;

export interface Structure {
  name: string;
  color: [number, number, number];
  segmentationId: string;
  volumeId: string;
}

export class StructureLayers {
  readonly structures = new Map<string, Structure>();
  /** volume slice k holds the API's slice sliceOrder[k] */
  private sliceOrder: number[] = [];
  private readonly viewportIds = new Set<string>();
  private readonly styles = new Map<string, LayerStyle>();

  constructor(
    readonly referenceVolumeId: string,
    readonly referenceSeriesUID: string,
  ) {}

  private get reference(): Types.IImageVolume {
    const volume = cache.getVolume(this.referenceVolumeId);
    if (!volume) throw new Error('The reference series is not loaded.');
    return volume;
  }

  get sliceSize(): number {
    const [columns = 0, rows = 0] = this.reference.dimensions;
    return columns * rows;
  }

  get voxelCount(): number {
    const [columns = 0, rows = 0, slices = 0] = this.reference.dimensions;
    return columns * rows * slices;
  }

  /** Checks the labelmap's grid against the volume and remembers the slice mapping. */
  bind(labelmap: LabelmapJson): void {
    this.sliceOrder = sliceOrderOf(this.reference, labelmap);
  }

  /** Creates the structure's segmentation (once) and shows it in every known viewport. */
  ensure(name: string, color: [number, number, number]): Structure {
    const known = this.structures.get(name);
    if (known) return known;
    const segmentationId = `structure-${name}`;
    const volumeId = `labelmap-${name}-${Date.now()}`;
    volumeLoader.createAndCacheDerivedLabelmapVolume(this.referenceVolumeId, { volumeId });
    segmentation.addSegmentations([
      {
        segmentationId,
        representation: { type: LABELMAP, data: { volumeId } },
        config: { label: name, segments: { 1: { label: name, segmentIndex: 1, active: true, locked: false, cachedStats: {} } } },
      },
    ]);
    segmentation.segmentIndex.setActiveSegmentIndex(segmentationId, 1);
    const structure: Structure = { name, color, segmentationId, volumeId };
    this.structures.set(name, structure);
    this.styles.set(name, defaultStyle(name));
    for (const viewportId of this.viewportIds) this.addTo(viewportId, structure);
    return structure;
  }

  /** Shows every structure in these viewports (a series shown anew gets them again). */
  attach(viewportIds: string[]): void {
    for (const viewportId of viewportIds) {
      this.viewportIds.add(viewportId);
      // The last added is drawn on top: the brain first, the small targets last.
      for (const structure of [...this.structures.values()].reverse()) this.addTo(viewportId, structure);
    }
  }

  detach(viewportIds: string[]): void {
    for (const viewportId of viewportIds) this.viewportIds.delete(viewportId);
  }

  private addTo(viewportId: string, structure: Structure): void {
    const present = segmentation.state
      .getSegmentationRepresentations(viewportId, { segmentationId: structure.segmentationId })
      .some((r) => r.type === LABELMAP);
    if (!present) {
      segmentation.addLabelmapRepresentationToViewport(viewportId, [{ segmentationId: structure.segmentationId }]);
    }
    segmentation.config.color.setSegmentIndexColor(viewportId, structure.segmentationId, 1, [...structure.color, 255]);
    this.applyStyle(viewportId, structure);
  }

  setStyle(name: string, style: Partial<LayerStyle>): void {
    const current = this.styles.get(name);
    const structure = this.structures.get(name);
    if (!current || !structure) return;
    Object.assign(current, style);
    for (const viewportId of this.viewportIds) this.applyStyle(viewportId, structure);
  }

  style(name: string): LayerStyle | undefined {
    return this.styles.get(name);
  }

  private applyStyle(viewportId: string, structure: Structure): void {
    const style = this.styles.get(structure.name);
    if (style) applyLayerStyle(viewportId, structure.segmentationId, style);
  }

  /** The structure's voxels, in the volume's slice order (a copy). */
  read(name: string): Uint8Array {
    const structure = this.structures.get(name);
    if (!structure) return new Uint8Array(this.voxelCount);
    const data = this.labelmap(structure).voxelManager?.getCompleteScalarDataArray?.();
    if (!data) return new Uint8Array(this.voxelCount);
    return Uint8Array.from(data, (v) => (v ? 1 : 0));
  }

  /** Replaces the structure's voxels (volume slice order) and redraws it. */
  write(name: string, data: Uint8Array): void {
    const structure = this.structures.get(name);
    if (!structure) return;
    const labelmap = this.labelmap(structure);
    labelmap.voxelManager?.setCompleteScalarDataArray?.(data);
    labelmap.modified?.();
    segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(structure.segmentationId);
  }

  count(name: string): number {
    const data = this.read(name);
    let count = 0;
    for (let i = 0; i < data.length; i += 1) count += data[i]!;
    return count;
  }

  /** API runs (instances order) to voxels in volume order. */
  fromRuns(runs: readonly number[]): Uint8Array {
    return runsToVolume(runs, this.sliceOrder, this.sliceSize, this.voxelCount);
  }

  /** Voxels in volume order to API runs (instances order). */
  toRuns(data: Uint8Array): number[] {
    return volumeToRuns(data, this.sliceOrder, this.sliceSize, this.voxelCount);
  }

  private labelmap(structure: Structure): Types.IImageVolume {
    const volume = cache.getVolume(structure.volumeId);
    if (!volume) throw new Error(`The ${structure.name} labelmap is gone from the cache.`);
    return volume;
  }
}
