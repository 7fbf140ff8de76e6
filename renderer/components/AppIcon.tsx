import { AppWindow, FileText, Globe, Image, Music, Settings, SquareTerminal, type LucideIcon } from 'lucide-react';

/** Freedesktop icon names the examples use, drawn with the shell's own icon set. */
const NAMED: Record<string, LucideIcon> = {
  'utilities-terminal': SquareTerminal,
  'web-browser': Globe,
  'accessories-text-editor': FileText,
  'image-viewer': Image,
  'audio-player': Music,
  'preferences-system': Settings,
};

/** An app's icon: its data URL when it has one, a matching symbol for a known name, else a window. */
export function AppIcon({ icon, size = 28 }: { icon: string | null | undefined; size?: number }) {
  if (icon?.startsWith('data:image/')) {
    return <img className="app-icon-image" src={icon} width={size} height={size} alt="" />;
  }
  const Icon = (icon && NAMED[icon]) || AppWindow;
  return <Icon size={size} />;
}
