// messages/dashboard.ts - the dashboard (数据看板): key figures and charts.
import type { Bilingual } from '../index'

const messages: Bilingual = {
  'zh-CN': {
    dash: {
      title: '数据看板',
      scope: '统计范围：本机构涉及的投诉；点击任一数字或图形可打开对应的投诉列表。',
      asOf: '更新于 {t}',
      kpi: {
        open: '办理中',
        today: '今日收到',
        breached: '已超时计时',
        received30: '近 30 天收到',
      },
      kpiHint: {
        open: '未办结的投诉',
        breached: '仍在计时且已超过时限',
        today: '按本地时间',
        received30: '含今日',
      },
      received: {
        title: '每日收到投诉（近 30 天）',
        series: '收到',
        summary: '近 30 天每日收到投诉数折线图：共 {total} 件，最多的一天 {max}（{day}）。',
        incomplete: '{day} 及以前的日期未统计完整（超出加载上限 {n} 件），图中不显示。',
      },
      state: {
        title: '办理中投诉 · 按状态',
        summary: '按状态统计的办理中投诉柱状图：{list}。',
      },
      grade: {
        title: '办理中投诉 · 按等级',
        summary: '按等级统计的办理中投诉柱状图：{list}。',
      },
      clocks: {
        title: '时限达标情况（近 30 天到期）',
        summary: '近 30 天到期的时限按类型统计的堆叠柱状图：{list}。',
        kindSummary: '{kind} 按时 {met}、超时完成 {met_late}、已超时 {breached}、计时中 {counting}',
        met: '按时完成',
        met_late: '超时完成',
        breached: '已超时',
        counting: '计时中',
        share: '按时率',
        window: '到期时间 {from} 至 {to}',
        note: '{window}。{noLink}',
        noLink: '按时与超时完成的计时没有对应列表；已超时和计时中的可在“临期与超时”队列查看。',
      },
      table: {
        caption: '{title}的数据',
        day: '日期',
        state: '状态',
        grade: '等级',
        kind: '时限',
        count: '件数',
      },
      empty: '暂无数据',
      loadFailed: '看板数据加载失败：{msg}',
    },
  },
  en: {
    dash: {
      title: 'Dashboard',
      scope: 'The complaints your institution is involved in. Click any figure to open the list behind it.',
      asOf: 'As of {t}',
      kpi: {
        open: 'Open',
        today: 'Received today',
        breached: 'Breached clocks',
        received30: 'Received, 30 days',
      },
      kpiHint: {
        open: 'Complaints not yet ended',
        breached: 'Still counting and past due',
        today: 'Local time',
        received30: 'Today included',
      },
      received: {
        title: 'Complaints received per day (30 days)',
        series: 'Received',
        summary: 'Line chart of complaints received per day over the last 30 days: {total} in all, at most {max} on {day}.',
        incomplete: 'Days up to {day} are incomplete (more than the {n} complaints loaded) and are not shown.',
      },
      state: {
        title: 'Open complaints by state',
        summary: 'Bar chart of open complaints by state: {list}.',
      },
      grade: {
        title: 'Open complaints by grade',
        summary: 'Bar chart of open complaints by grade: {list}.',
      },
      clocks: {
        title: 'Clocks met and breached (due in the last 30 days)',
        summary: 'Stacked bar chart of the clocks due in the last 30 days by kind: {list}.',
        kindSummary: '{kind}: {met} met, {met_late} met late, {breached} breached, {counting} counting',
        met: 'Met',
        met_late: 'Met late',
        breached: 'Breached',
        counting: 'Counting',
        share: 'Met share',
        window: 'Due from {from} to {to}',
        note: '{window}. {noLink}',
        noLink: 'Met clocks have no list to open; breached and counting ones are in the "Due soon and breached" queue.',
      },
      table: {
        caption: 'Figures of "{title}"',
        day: 'Day',
        state: 'State',
        grade: 'Grade',
        kind: 'Clock',
        count: 'Complaints',
      },
      empty: 'No data',
      loadFailed: 'The dashboard could not load: {msg}',
    },
  },
}

export default messages
