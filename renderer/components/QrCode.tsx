import { create } from 'qrcode';

/** A QR code as SVG squares, drawn from the code's module matrix (no canvas, no data URL). */
export function QrCode({ text, size = 200 }: { text: string; size?: number }) {
  const matrix = create(text, { errorCorrectionLevel: 'M' }).modules;
  const quiet = 2;
  const span = matrix.size + quiet * 2;
  let path = '';
  for (let row = 0; row < matrix.size; row++) {
    for (let column = 0; column < matrix.size; column++) {
      if (matrix.get(row, column)) {
        path += `M${column + quiet} ${row + quiet}h1v1h-1z`;
      }
    }
  }
  return (
    <svg
      className="qr-code"
      role="img"
      aria-label={`QR code of ${text}`}
      width={size}
      height={size}
      viewBox={`0 0 ${span} ${span}`}
      shapeRendering="crispEdges"
    >
      <rect width={span} height={span} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
