// echarts.ts - the parts of ECharts the dashboard draws with, imported one by
// one (the bar chart, grid, tooltip, legend, the canvas renderer) so the
// rest of the library stays out of the build. Only the dashboard's lazily
// loaded route imports this module, so the charts chunk loads with it alone.
import { init, use, type ComposeOption, type ECharts } from 'echarts/core'
import { BarChart, type BarSeriesOption } from 'echarts/charts'
import {
  GridComponent,
  LegendComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

export type ChartOption = ComposeOption<
  BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>

export { init }
export type { ECharts }
