/** How a structure is drawn in a view: shown or hidden, its opacity, filled or outlined only. */
import { Enums as ToolEnums, segmentation } from '@cornerstonejs/tools';

const LABELMAP = ToolEnums.SegmentationRepresentations.Labelmap;

export interface LayerStyle {
  visible: boolean;
  opacity: number; // 0..1
  fill: boolean; // false: outline only
}

export function defaultStyle(name: string): LayerStyle {
  // A large organ filled would hide the anatomy under the targets: outlined by default.
  return { visible: true, opacity: 0.4, fill: name !== 'Brain' };
}

/** Draws the structure's segmentation in the viewport as `style` says. */
export function applyLayerStyle(viewportId: string, segmentationId: string, style: LayerStyle): void {
  const specifier = { segmentationId, type: LABELMAP };
  const fillAlpha = style.fill ? style.opacity : 0;
  segmentation.config.style.setStyle(
    { viewportId, ...specifier },
    {
      renderFill: style.fill,
      renderFillInactive: style.fill,
      fillAlpha,
      fillAlphaInactive: fillAlpha,
      renderOutline: true,
      renderOutlineInactive: true,
      outlineWidth: style.fill ? 1 : 2,
      outlineWidthInactive: style.fill ? 1 : 2,
      outlineOpacity: Math.max(style.opacity, 0.6),
      outlineOpacityInactive: Math.max(style.opacity, 0.6),
    },
  );
  segmentation.config.visibility.setSegmentIndexVisibility(viewportId, specifier, 1, style.visible);
}
