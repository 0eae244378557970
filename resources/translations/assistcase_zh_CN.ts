<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AdjustmentDialog</name>
    <message>
        <source>Record adjustment</source>
        <translation>登记调整</translation>
    </message>
    <message>
        <source>%1 (%2), paid %3 yuan in this roster</source>
        <translation>%1（%2），本期花名册发放 %3 元</translation>
    </message>
    <message>
        <source>Supplement (pay more)</source>
        <translation>补发（增发）</translation>
    </message>
    <message>
        <source>Deduction (withhold)</source>
        <translation>扣减（少发）</translation>
    </message>
    <message>
        <source>yuan</source>
        <translation>元</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>The next roster of this program pays the adjustment; this roster stays as approved.</source>
        <translation>调整在该项目下期花名册中发放；本期花名册保持已审批状态不变。</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>登记</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Enter the amount in yuan, for example 120.</source>
        <translation>请输入金额（元），例如 120。</translation>
    </message>
</context>
<context>
    <name>AidEntryForm</name>
    <message>
        <source>Not in the registry (non-resident, no fixed address)</source>
        <translation>非在册人员（外来人员、无固定住所人员）</translation>
    </message>
    <message>
        <source>Search the registry: name, pinyin, ID number or its last 4+ characters, household number; Enter picks, ↑↓ move</source>
        <translation>查找在册户：姓名、拼音、身份证号（或后4位）、户编号；回车选定</translation>
    </message>
    <message>
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村（社区）</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>&amp;Household</source>
        <translation>救助户(&amp;H)</translation>
    </message>
    <message>
        <source>Person aided</source>
        <translation>受助人</translation>
    </message>
    <message>
        <source>optional: leave blank when unknown</source>
        <translation>选填：不详可不填</translation>
    </message>
    <message>
        <source>where the person was found, or now lives</source>
        <translation>发现地点或现居住地</translation>
    </message>
    <message>
        <source>— choose —</source>
        <translation>— 请选择 —</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Found at</source>
        <translation>发现地点</translation>
    </message>
    <message>
        <source>Township responsible</source>
        <translation>负责乡镇（街道）</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>联系电话</translation>
    </message>
    <message>
        <source>Pay first, complete the file afterwards (先行救助)</source>
        <translation>先行救助（先发放，后补材料）</translation>
    </message>
    <message>
        <source>File complete</source>
        <translation>材料齐全</translation>
    </message>
    <message>
        <source>What happened, the family&apos;s situation</source>
        <translation>遭遇情况、家庭困难情况</translation>
    </message>
    <message>
        <source>other documents, separated by 、</source>
        <translation>其他材料，用“、”分隔</translation>
    </message>
    <message>
        <source>yuan, e.g. 1500</source>
        <translation>元，如 1500</translation>
    </message>
    <message>
        <source>Account type</source>
        <translation>账户类型</translation>
    </message>
    <message>
        <source>Account number</source>
        <translation>账号</translation>
    </message>
    <message>
        <source>Bank</source>
        <translation>开户银行</translation>
    </message>
    <message>
        <source>Record case (Ctrl+S)</source>
        <translation>登记（Ctrl+S）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>救助对象</translation>
    </message>
    <message>
        <source>Aid</source>
        <translation>救助事项</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Cause</source>
        <translation>救助原因</translation>
    </message>
    <message>
        <source>File</source>
        <translation>材料</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>情况说明</translation>
    </message>
    <message>
        <source>Documents received</source>
        <translation>已收材料</translation>
    </message>
    <message>
        <source>Amount requested</source>
        <translation>申请金额</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>发放</translation>
    </message>
    <message>
        <source>Applied on</source>
        <translation>申请日期</translation>
    </message>
    <message>
        <source>Tab: next field · Ctrl+S or Ctrl+Enter: record</source>
        <translation>Tab：下一项 · Ctrl+S 或 Ctrl+回车：登记</translation>
    </message>
    <message>
        <source>No household found. A person outside the registry: tick “Not in the registry”.</source>
        <translation>未找到在册户。非在册人员请勾选“非在册人员”。</translation>
    </message>
    <message>
        <source>No household chosen yet.</source>
        <translation>尚未选定救助户。</translation>
    </message>
    <message>
        <source>%1 persons</source>
        <translation>%1 人</translation>
    </message>
    <message>
        <source>account %1 %2</source>
        <translation>账户 %1 %2</translation>
    </message>
    <message>
        <source>blank: the household&apos;s account (…%1)</source>
        <translation>不填则用本户账户（尾号 %1）</translation>
    </message>
    <message>
        <source>no bank account on record</source>
        <translation>未登记银行账户</translation>
    </message>
    <message>
        <source>Choose the household: search by name, ID number or household number (or tick “Not in the registry”).</source>
        <translation>请选定救助户：按姓名、身份证号或户编号查找（非在册人员请勾选“非在册人员”）。</translation>
    </message>
    <message>
        <source>Recorded case %1: %2, %3, requested %4 yuan.</source>
        <translation>已登记案件 %1：%2，%3，申请 %4 元。</translation>
    </message>
    <message>
        <source>It waits for approval at %1 level.</source>
        <translation>待%1审批。</translation>
    </message>
</context>
<context>
    <name>AidPage</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>⚠ Temporary aid granted %1 time(s) in the past %2 months:</source>
        <translation>⚠ 近 %2 个月内已获临时救助 %1 次：</translation>
    </message>
    <message>
        <source>%1 · %2 · %3 · %4 yuan (case %5)</source>
        <translation>%1 · %2 · %3 · %4 元（案件 %5）</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>急难型</translation>
    </message>
    <message>
        <source>Expenditure</source>
        <translation>支出型</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>County</source>
        <translation>县级</translation>
    </message>
    <message>
        <source>Case-by-case decision</source>
        <translation>一事一议</translation>
    </message>
    <message>
        <source>Waiting for approval</source>
        <translation>待审批</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已审批</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>已发放</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>不予救助</translation>
    </message>
    <message>
        <source>Bank account</source>
        <translation>银行账户</translation>
    </message>
    <message>
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <source>directly</source>
        <translation>直接发放</translation>
    </message>
    <message>
        <source>by roster</source>
        <translation>花名册发放</translation>
    </message>
    <message>
        <source>Build temporary-aid roster…</source>
        <translation>生成临时救助花名册…</translation>
    </message>
    <message>
        <source>Show in the rosters page</source>
        <translation>在花名册页查看</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Read-only view</source>
        <translation>只读查看</translation>
    </message>
    <message>
        <source>New case</source>
        <translation>新登记</translation>
    </message>
    <message>
        <source>Approval</source>
        <translation>审批</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>发放</translation>
    </message>
    <message>
        <source>Paperwork</source>
        <translation>补齐材料</translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>Applied</source>
        <translation>申请日期</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Registered</source>
        <translation>在册</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Cause</source>
        <translation>救助原因</translation>
    </message>
    <message>
        <source>Requested (yuan)</source>
        <translation>申请金额（元）</translation>
    </message>
    <message>
        <source>Limit (yuan)</source>
        <translation>审批限额（元）</translation>
    </message>
    <message>
        <source>Approve…</source>
        <translation>审批…</translation>
    </message>
    <message>
        <source>Refuse…</source>
        <translation>不予救助…</translation>
    </message>
    <message>
        <source>Approved aid not yet paid. Cash (and urgent aid paid first) is recorded here; bank payments go through the temporary-aid roster.</source>
        <translation>已审批未发放的救助。现金发放（及急难型先行救助）在此登记；银行发放通过临时救助花名册。</translation>
    </message>
    <message>
        <source>Granted (yuan)</source>
        <translation>批准金额（元）</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>审批层级</translation>
    </message>
    <message>
        <source>File</source>
        <translation>材料情况</translation>
    </message>
    <message>
        <source>Record payment…</source>
        <translation>登记发放…</translation>
    </message>
    <message>
        <source>Overdue only</source>
        <translation>仅显示逾期</translation>
    </message>
    <message>
        <source>Files of cases paid before they were complete (先行救助), due a number of working days after payment.</source>
        <translation>先行救助案件须在发放后规定的工作日内补齐材料。</translation>
    </message>
    <message>
        <source>Paid on</source>
        <translation>发放日期</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>补齐期限</translation>
    </message>
    <message>
        <source>Days overdue</source>
        <translation>逾期天数</translation>
    </message>
    <message>
        <source>Mark the file complete…</source>
        <translation>材料已补齐…</translation>
    </message>
    <message>
        <source>Year</source>
        <translation>年度</translation>
    </message>
    <message>
        <source>Quarter</source>
        <translation>季度</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月份</translation>
    </message>
    <message>
        <source>All areas</source>
        <translation>全部区划</translation>
    </message>
    <message>
        <source>Granted (by approval date)</source>
        <translation>审批口径（按审批日期）</translation>
    </message>
    <message>
        <source>Paid (by payment date)</source>
        <translation>发放口径（按发放日期）</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>查询</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>统计期</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>区划</translation>
    </message>
    <message>
        <source>Basis</source>
        <translation>口径</translation>
    </message>
    <message>
        <source>Person-times</source>
        <translation>人次</translation>
    </message>
    <message>
        <source>Amount (yuan)</source>
        <translation>金额（元）</translation>
    </message>
    <message>
        <source>By type</source>
        <translation>按类型</translation>
    </message>
    <message>
        <source>By cause</source>
        <translation>按救助原因</translation>
    </message>
    <message>
        <source>By township</source>
        <translation>按乡镇（街道）</translation>
    </message>
    <message>
        <source>meeting record</source>
        <translation>会议记录</translation>
    </message>
    <message>
        <source>no standard</source>
        <translation>无标准</translation>
    </message>
    <message>
        <source>monthly dibao standard %1 yuan</source>
        <translation>月低保标准 %1 元</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>A township approves up to its limit (a multiple of the monthly dibao standard in force).</source>
        <translation>乡镇在审批限额内审批（限额为现行月低保标准的倍数）。</translation>
    </message>
    <message>
        <source>Above the township&apos;s limit: the county approves up to its limit.</source>
        <translation>超出乡镇审批限额：由县级在其限额内审批。</translation>
    </message>
    <message>
        <source>Above the county&apos;s limit: only a case-by-case decision (一事一议) with the meeting&apos;s date, participants and minutes.</source>
        <translation>超出县级审批限额：须经一事一议，并记录会议日期、参会人员和会议纪要。</translation>
    </message>
    <message>
        <source>complete</source>
        <translation>齐全</translation>
    </message>
    <message>
        <source>pay first (先行救助)</source>
        <translation>先行救助</translation>
    </message>
    <message>
        <source>incomplete</source>
        <translation>不齐全</translation>
    </message>
    <message>
        <source>Paperwork (%1 overdue)</source>
        <translation>补齐材料（%1 件逾期）</translation>
    </message>
    <message>
        <source>%1 to %2: %3 person-times, %4 yuan</source>
        <translation>%1 至 %2：%3 人次，%4 元</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>救助对象</translation>
    </message>
    <message>
        <source>not in the registry</source>
        <translation>非在册人员</translation>
    </message>
    <message>
        <source>Household</source>
        <translation>户编号</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>地点</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>情况说明</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>已收材料</translation>
    </message>
    <message>
        <source>complete on %1</source>
        <translation>%1 补齐</translation>
    </message>
    <message>
        <source>Applied on</source>
        <translation>申请日期</translation>
    </message>
    <message>
        <source>Requested</source>
        <translation>申请金额</translation>
    </message>
    <message>
        <source>yuan</source>
        <translation>元</translation>
    </message>
    <message>
        <source>Granted</source>
        <translation>批准金额</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>审批限额</translation>
    </message>
    <message>
        <source>Meeting</source>
        <translation>会议</translation>
    </message>
    <message>
        <source>File due</source>
        <translation>补齐期限</translation>
    </message>
    <message>
        <source>Roster</source>
        <translation>花名册</translation>
    </message>
    <message>
        <source>Case %1</source>
        <translation>案件 %1</translation>
    </message>
    <message>
        <source>Approved case %1: %2 yuan to %3 (%4).</source>
        <translation>已审批案件 %1：批准 %3 %2 元（%4）。</translation>
    </message>
    <message>
        <source>Urgent aid: it may be paid now, before the file is complete (Payment tab).</source>
        <translation>急难型救助：可先行发放，后补材料（见“发放”页）。</translation>
    </message>
    <message>
        <source>Refused case %1.</source>
        <translation>案件 %1 已作不予救助处理。</translation>
    </message>
    <message>
        <source>Payment of case %1 recorded.</source>
        <translation>案件 %1 已登记发放。</translation>
    </message>
    <message>
        <source>The file of case %1 is complete.</source>
        <translation>案件 %1 材料已补齐。</translation>
    </message>
    <message>
        <source>Building the temporary-aid roster…</source>
        <translation>正在生成临时救助花名册…</translation>
    </message>
    <message>
        <source>Roster built: %1 lines (%2 cases), total %3 yuan. Review and approve it in the rosters page; approving it pays the cases.</source>
        <translation>已生成花名册：%1 行（%2 件），合计 %3 元。请在花名册页审核、审批；审批后案件即为已发放。</translation>
    </message>
    <message>
        <source>%1 failed payments reissued.</source>
        <translation>补发失败发放 %1 笔。</translation>
    </message>
    <message>
        <source>%1 expenditure cases wait for a complete file.</source>
        <translation>%1 件支出型救助待材料齐全后发放。</translation>
    </message>
    <message>
        <source>Cancelled: nothing was written.</source>
        <translation>已取消，未写入任何数据。</translation>
    </message>
</context>
<context>
    <name>ApproveDialog</name>
    <message>
        <source>Approve temporary aid</source>
        <translation>临时救助审批</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>批准</translation>
    </message>
    <message>
        <source>Case %1: %2, %3 · %4 · requested %5 yuan</source>
        <translation>案件 %1：%2，%3 · %4 · 申请 %5 元</translation>
    </message>
    <message>
        <source>yuan</source>
        <translation>元</translation>
    </message>
    <message>
        <source>Name of the official who approves</source>
        <translation>审批人姓名</translation>
    </message>
    <message>
        <source>e.g. director, deputy director, head of the assistance section</source>
        <translation>如：局长、分管副局长、社会救助股股长</translation>
    </message>
    <message>
        <source>Approval level</source>
        <translation>审批层级</translation>
    </message>
    <message>
        <source>Amount granted (yuan)</source>
        <translation>批准金额（元）</translation>
    </message>
    <message>
        <source>Approved by</source>
        <translation>审批人</translation>
    </message>
    <message>
        <source>Approval date</source>
        <translation>审批日期</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Case-by-case decision (一事一议): meeting record</source>
        <translation>一事一议会议记录</translation>
    </message>
    <message>
        <source>Meeting date</source>
        <translation>会议日期</translation>
    </message>
    <message>
        <source>Participants</source>
        <translation>参会人员</translation>
    </message>
    <message>
        <source>Minutes</source>
        <translation>会议纪要</translation>
    </message>
    <message>
        <source>No dibao standard is in force on %1: the limits cannot be worked out.</source>
        <translation>%1 没有适用的低保标准，无法确定审批限额。</translation>
    </message>
    <message>
        <source>Limits on %1 (monthly dibao standard %2 yuan): township up to %3 yuan, county up to %4 yuan, above that a case-by-case decision with a meeting record.</source>
        <translation>%1 审批限额（月低保标准 %2 元）：乡镇 %3 元以内，县级 %4 元以内，超出须经一事一议并记录会议情况。</translation>
    </message>
    <message>
        <source>%1 yuan needs: %2.</source>
        <translation>%1 元须由%2审批。</translation>
    </message>
</context>
<context>
    <name>BackgroundTask</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>BackupDialog</name>
    <message>
        <source>Backups and restore</source>
        <translation>备份与恢复</translation>
    </message>
    <message>
        <source>Made at</source>
        <translation>备份时间</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Households</source>
        <translation>户数</translation>
    </message>
    <message>
        <source>Persons</source>
        <translation>人数</translation>
    </message>
    <message>
        <source>Audit rows</source>
        <translation>审计记录数</translation>
    </message>
    <message>
        <source>Encrypted</source>
        <translation>加密</translation>
    </message>
    <message>
        <source>Size (MB)</source>
        <translation>大小（MB）</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation>立即备份</translation>
    </message>
    <message>
        <source>Restore the selected backup…</source>
        <translation>恢复所选备份…</translation>
    </message>
    <message>
        <source>daily</source>
        <translation>每日</translation>
    </message>
    <message>
        <source>by hand</source>
        <translation>手动</translation>
    </message>
    <message>
        <source>before an import</source>
        <translation>导入前</translation>
    </message>
    <message>
        <source>before a roster approval</source>
        <translation>花名册审批前</translation>
    </message>
    <message>
        <source>before a restore</source>
        <translation>恢复前</translation>
    </message>
    <message>
        <source>This database is not a file on this computer: it is backed up on its server.</source>
        <translation>此数据库不是本机文件，由其服务器负责备份。</translation>
    </message>
    <message>
        <source>Folder: {folder}; kept: the newest of each of the last {d} days, {w} weeks and {m} months.</source>
        <translation>备份文件夹：{folder}；保留最近 {d} 天、{w} 周、{m} 个月各自最新的一份。</translation>
    </message>
    <message>
        <source>Copied to {mirror} too.</source>
        <translation>并复制到 {mirror}。</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation>正在备份…</translation>
    </message>
    <message>
        <source>Restore the backup made at {date} ({why})?

Households {hh:,}, persons {persons:,}, audit rows {audit:,}.

The database as it is now is backed up first; then it is replaced by this backup as a whole. AssistCase closes afterwards: start it again.</source>
        <translation>恢复 {date} 的备份（{why}）吗？

户数 {hh:,}，人数 {persons:,}，审计记录 {audit:,} 条。

先备份当前数据库，再用该备份整体替换。完成后程序将关闭，请重新启动。</translation>
    </message>
    <message>
        <source>Restore a backup</source>
        <translation>恢复备份</translation>
    </message>
    <message>
        <source>Restoring…</source>
        <translation>正在恢复…</translation>
    </message>
    <message>
        <source>Backups and restore…</source>
        <translation>备份与恢复…</translation>
    </message>
    <message>
        <source>The daily backup failed: {error}</source>
        <translation>每日备份失败：{error}</translation>
    </message>
    <message>
        <source>The backup was restored. AssistCase closes now; start it again to work on the restored database.</source>
        <translation>备份已恢复。程序现在关闭，请重新启动以使用恢复后的数据库。</translation>
    </message>
</context>
<context>
    <name>BuildRosterDialog</name>
    <message>
        <source>Build temporary-aid roster</source>
        <translation>生成临时救助花名册</translation>
    </message>
    <message>
        <source>The roster pays every approved case paid by bank in the area that no other roster pays, approved on or before the payment date. Cash payments are recorded in the Payment tab.</source>
        <translation>花名册列入本区划内发放日期前已审批、通过银行发放且未列入其他花名册的案件。现金发放在“发放”页登记。</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>区划</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月份</translation>
    </message>
    <message>
        <source>Payment date</source>
        <translation>发放日期</translation>
    </message>
    <message>
        <source>Build</source>
        <translation>生成</translation>
    </message>
</context>
<context>
    <name>BureauSignInDialog</name>
    <message>
        <source>Synchronise with the bureau — AssistCase</source>
        <translation>与民政局同步 — AssistCase</translation>
    </message>
    <message>
        <source>Bureau database</source>
        <translation>民政局数据库</translation>
    </message>
    <message>
        <source>User name at the bureau</source>
        <translation>民政局账号</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Your changes are sent to the bureau&apos;s database and its changes come back, as with packages on a USB stick.</source>
        <translation>本站的变更将发送到民政局数据库，民政局的变更随即传回，与用U盘传递数据包相同。</translation>
    </message>
    <message>
        <source>Give the bureau database and your user name there.</source>
        <translation>请填写民政局数据库地址和您在民政局的账号。</translation>
    </message>
</context>
<context>
    <name>CaseTableModel</name>
    <message>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>Program</source>
        <translation>救助项目</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Household No.</source>
        <translation>户编号</translation>
    </message>
    <message>
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <source>Supported person</source>
        <translation>供养对象</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村（社区）</translation>
    </message>
    <message>
        <source>Applied on</source>
        <translation>申请日期</translation>
    </message>
    <message>
        <source>Paid from</source>
        <translation>起发月份</translation>
    </message>
    <message>
        <source>Next review</source>
        <translation>下次核查</translation>
    </message>
    <message>
        <source>Dibao</source>
        <translation>低保</translation>
    </message>
    <message>
        <source>Extreme hardship</source>
        <translation>特困</translation>
    </message>
</context>
<context>
    <name>CasesPage</name>
    <message>
        <source>Urban</source>
        <translation>城市</translation>
    </message>
    <message>
        <source>Rural</source>
        <translation>农村</translation>
    </message>
    <message>
        <source>Applied</source>
        <translation>已申请</translation>
    </message>
    <message>
        <source>Economic check done</source>
        <translation>已核对</translation>
    </message>
    <message>
        <source>Home investigation done</source>
        <translation>已入户调查</translation>
    </message>
    <message>
        <source>In publicity</source>
        <translation>公示中</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>在保</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Terminated</source>
        <translation>终止</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>区划</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Assistance case</source>
        <translation>救助案件</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <source>Dibao (household)</source>
        <translation>低保（按户）</translation>
    </message>
    <message>
        <source>Extreme hardship (head of household)</source>
        <translation>特困供养（户主）</translation>
    </message>
    <message>
        <source>Fully self-caring</source>
        <translation>全自理</translation>
    </message>
    <message>
        <source>Partly disabled</source>
        <translation>半失能</translation>
    </message>
    <message>
        <source>Fully disabled</source>
        <translation>全失能</translation>
    </message>
    <message>
        <source>Dispersed support</source>
        <translation>分散供养</translation>
    </message>
    <message>
        <source>Centralized support</source>
        <translation>集中供养</translation>
    </message>
    <message>
        <source>Institution (centralized support)</source>
        <translation>供养机构（集中供养）</translation>
    </message>
    <message>
        <source>Open case</source>
        <translation>受理申请</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Investigators</source>
        <translation>调查人员</translation>
    </message>
    <message>
        <source>Findings or reason</source>
        <translation>情况或原因</translation>
    </message>
    <message>
        <source>Date (publicity start)</source>
        <translation>日期（公示开始）</translation>
    </message>
    <message>
        <source>Publicity end</source>
        <translation>公示结束</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>人员</translation>
    </message>
    <message>
        <source>Findings / reason</source>
        <translation>情况/原因</translation>
    </message>
    <message>
        <source>Record economic check</source>
        <translation>登记经济状况核对</translation>
    </message>
    <message>
        <source>Record home investigation</source>
        <translation>登记入户调查</translation>
    </message>
    <message>
        <source>Record publicity</source>
        <translation>登记公示</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>审核确认</translation>
    </message>
    <message>
        <source>Covered members…</source>
        <translation>保障对象变更…</translation>
    </message>
    <message>
        <source>Case log</source>
        <translation>案件记录</translation>
    </message>
    <message>
        <source>Papers</source>
        <translation>材料</translation>
    </message>
    <message>
        <source>No household matches.</source>
        <translation>没有符合条件的户。</translation>
    </message>
    <message>
        <source>%1 households match: choose one.</source>
        <translation>%1 户符合条件，请选择其中一户。</translation>
    </message>
    <message>
        <source>Case %1: %2, %3</source>
        <translation>案件 %1：%2，%3</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月份</translation>
    </message>
    <message>
        <source>Recalculate the month</source>
        <translation>重新计算本月</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>Household No.</source>
        <translation>户编号</translation>
    </message>
    <message>
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村（社区）</translation>
    </message>
    <message>
        <source>Standard</source>
        <translation>标准</translation>
    </message>
    <message>
        <source>Household income</source>
        <translation>家庭月收入</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>家庭人口</translation>
    </message>
    <message>
        <source>Per-capita income</source>
        <translation>人均月收入</translation>
    </message>
    <message>
        <source>Record the review</source>
        <translation>登记核查结果</translation>
    </message>
    <message>
        <source>What the review found</source>
        <translation>核查情况</translation>
    </message>
    <message>
        <source>Members who stay covered</source>
        <translation>继续保障的成员</translation>
    </message>
    <message>
        <source>Record review</source>
        <translation>登记核查</translation>
    </message>
    <message>
        <source>Outcome (from the next month)</source>
        <translation>核查结论（次月起生效）</translation>
    </message>
    <message>
        <source>Review date</source>
        <translation>核查日期</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>核查情况</translation>
    </message>
    <message>
        <source>The month %1 is not computed for this area: recalculate it to see the cases whose income reaches the standard.</source>
        <translation>本区划 %1 尚未计算，请重新计算本月，以列出人均收入达到标准的案件。</translation>
    </message>
    <message>
        <source>%1 cases of %2 are due for exit review (per-capita income reaches the standard in the computed month).</source>
        <translation>%2 有 %1 件案件需退出核查（按已计算的当月结果，人均收入达到低保标准）。</translation>
    </message>
    <message>
        <source>Choose a case in the list first.</source>
        <translation>请先在列表中选择案件。</translation>
    </message>
    <message>
        <source>Review of case %1 recorded: %2 from the next month.</source>
        <translation>案件 %1 的核查已登记：次月起%2。</translation>
    </message>
    <message>
        <source>Recalculating the month…</source>
        <translation>正在重新计算本月……</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>% of standard</source>
        <translation>占标准%</translation>
    </message>
    <message>
        <source>Marginal household</source>
        <translation>低保边缘</translation>
    </message>
    <message>
        <source>Monitored</source>
        <translation>监测对象</translation>
    </message>
    <message>
        <source>Not assisted</source>
        <translation>未纳入救助</translation>
    </message>
    <message>
        <source>%1 households in %2 have a per-capita income above the dibao standard and at most the marginal threshold%3.</source>
        <translation>%2 有 %1 户人均收入高于低保标准、不超过低保边缘认定线%3。</translation>
    </message>
    <message>
        <source>Suspend</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>In application</source>
        <translation>申请中</translation>
    </message>
    <message>
        <source>Awaiting confirmation</source>
        <translation>待审核确认</translation>
    </message>
    <message>
        <source>Review due</source>
        <translation>待核查</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>已终止</translation>
    </message>
    <message>
        <source>Dibao</source>
        <translation>低保</translation>
    </message>
    <message>
        <source>Extreme hardship</source>
        <translation>特困</translation>
    </message>
    <message>
        <source>Continue assistance</source>
        <translation>继续保障</translation>
    </message>
    <message>
        <source>Reduce assistance</source>
        <translation>减少保障</translation>
    </message>
    <message>
        <source>Terminate</source>
        <translation>终止</translation>
    </message>
    <message>
        <source>All programs</source>
        <translation>全部救助项目</translation>
    </message>
    <message>
        <source>Program</source>
        <translation>救助项目</translation>
    </message>
    <message>
        <source>Cases</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>Exit review</source>
        <translation>退出核查</translation>
    </message>
    <message>
        <source>Marginal households</source>
        <translation>低保边缘家庭</translation>
    </message>
    <message>
        <source>%1 cases</source>
        <translation>共 %1 件</translation>
    </message>
    <message>
        <source>All cases</source>
        <translation>全部案件</translation>
    </message>
    <message>
        <source>Household: name, pinyin initials, ID number tail or household number</source>
        <translation>查找户：姓名、拼音首字母、身份证号后几位或户编号</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Entitlement for the month of</source>
        <translation>应发月份</translation>
    </message>
    <message>
        <source>Find the household first.</source>
        <translation>请先查找户。</translation>
    </message>
    <message>
        <source>Open or find a case first.</source>
        <translation>请先受理或查找案件。</translation>
    </message>
    <message>
        <source>No case selected.</source>
        <translation>未选择案件。</translation>
    </message>
    <message>
        <source>Case %1: %2</source>
        <translation>案件 %1：%2</translation>
    </message>
    <message>
        <source>paid from %1</source>
        <translation>自 %1 起发放</translation>
    </message>
    <message>
        <source>no payment from %1</source>
        <translation>%1 起停发</translation>
    </message>
    <message>
        <source>next review %1</source>
        <translation>下次核查 %1</translation>
    </message>
    <message>
        <source>(The case is not paid in this month.)</source>
        <translation>（本案件该月不发放。）</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <source>Change password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>当前密码</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>Repeat new password</source>
        <translation>再次输入新密码</translation>
    </message>
    <message>
        <source>The passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
</context>
<context>
    <name>CheckPage</name>
    <message>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Every row is checked before anything is written. Nothing is imported while there are errors.</source>
        <translation>写入前逐行检查，存在错误时不导入任何数据。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Export report…</source>
        <translation>导出检查报告…</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>提示</translation>
    </message>
    <message>
        <source>Only the first %1 problems are shown; export the report for all of them.</source>
        <translation>仅显示前 %1 个问题，请导出报告查看全部。</translation>
    </message>
    <message>
        <source>Export report</source>
        <translation>导出检查报告</translation>
    </message>
    <message>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
</context>
<context>
    <name>ConfirmPage</name>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>The import is written in one step: if anything fails or you cancel, nothing is written.</source>
        <translation>导入一次性写入：任何一步失败或取消，都不会写入任何数据。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelled; nothing was written.</source>
        <translation>已取消，未写入任何数据。</translation>
    </message>
</context>
<context>
    <name>CoverageDialog</name>
    <message>
        <source>Change of covered members</source>
        <translation>保障对象变更（增人增保 / 减人减保）</translation>
    </message>
    <message>
        <source>Members covered from the month after the date:</source>
        <translation>自决定日期次月起保障的成员：</translation>
    </message>
    <message>
        <source>e.g. birth of a child, marriage</source>
        <translation>如：新生儿出生、婚入</translation>
    </message>
    <message>
        <source>Date of the decision</source>
        <translation>决定日期</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>ExchangePage</name>
    <message>
        <source>Export package…</source>
        <translation>导出数据包…</translation>
    </message>
    <message>
        <source>Import package…</source>
        <translation>导入数据包…</translation>
    </message>
    <message>
        <source>Synchronise now…</source>
        <translation>立即同步…</translation>
    </message>
    <message>
        <source>Where this laptop can reach the bureau&apos;s database: the same packages, sent and received over the connection</source>
        <translation>本机能连接民政局数据库时使用：通过网络收发相同的数据包</translation>
    </message>
    <message>
        <source>Exchange with:</source>
        <translation>交换对象：</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>站点</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Here</source>
        <translation>本站值</translation>
    </message>
    <message>
        <source>Changed here by</source>
        <translation>本站修改人</translation>
    </message>
    <message>
        <source>Other site</source>
        <translation>对方值</translation>
    </message>
    <message>
        <source>Changed there by</source>
        <translation>对方修改人</translation>
    </message>
    <message>
        <source>Keep this site&apos;s value</source>
        <translation>保留本站值</translation>
    </message>
    <message>
        <source>Take the other site&apos;s value</source>
        <translation>采用对方值</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Household here</source>
        <translation>本站所在户</translation>
    </message>
    <message>
        <source>Also sent by</source>
        <translation>另一报送站点</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>处理结果</translation>
    </message>
    <message>
        <source>Keep in the household registered here</source>
        <translation>保留在本库已登记的户</translation>
    </message>
    <message>
        <source>Keep in the arriving household</source>
        <translation>保留在新到的户</translation>
    </message>
    <message>
        <source>Packages sent and received</source>
        <translation>已发送和已接收的数据包</translation>
    </message>
    <message>
        <source>Conflicts (changed on both sides)</source>
        <translation>冲突（双方都修改了）</translation>
    </message>
    <message>
        <source>Duplicate tickets (one ID number in two townships)</source>
        <translation>重复登记（同一身份证号在两个乡镇）</translation>
    </message>
    <message>
        <source>township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>bureau</source>
        <translation>救助局</translation>
    </message>
    <message>
        <source>This site: %1 (%2)</source>
        <translation>本站点：%1（%2）</translation>
    </message>
    <message>
        <source>nothing</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Waiting to be sent to %1: %2</source>
        <translation>待发送给 %1：%2</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>received</source>
        <translation>接收</translation>
    </message>
    <message>
        <source>open</source>
        <translation>待处理</translation>
    </message>
    <message>
        <source>resolved</source>
        <translation>已处理</translation>
    </message>
    <message>
        <source>household</source>
        <translation>户</translation>
    </message>
    <message>
        <source>person</source>
        <translation>人员</translation>
    </message>
    <message>
        <source>income</source>
        <translation>收入</translation>
    </message>
    <message>
        <source>property</source>
        <translation>财产</translation>
    </message>
    <message>
        <source>Folder for the package (e.g. a USB stick)</source>
        <translation>数据包存放文件夹（如U盘）</translation>
    </message>
    <message>
        <source>Package to import</source>
        <translation>选择要导入的数据包</translation>
    </message>
    <message>
        <source>Exchange packages (*.acx)</source>
        <translation>交换数据包 (*.acx)</translation>
    </message>
    <message>
        <source>Synchronising with the bureau</source>
        <translation>正在与民政局同步</translation>
    </message>
    <message>
        <source>Synchronised with %1: %2 records taken by the bureau, %3 records received, %4 conflicts.</source>
        <translation>已与 %1 同步：民政局接收 %2 条记录，本站收到 %3 条记录，冲突 %4 个。</translation>
    </message>
    <message>
        <source>Exporting the package</source>
        <translation>正在导出数据包</translation>
    </message>
    <message>
        <source>Importing the package</source>
        <translation>正在导入数据包</translation>
    </message>
    <message>
        <source>Package %1 written to %2</source>
        <translation>第 %1 个数据包已写入 %2</translation>
    </message>
    <message>
        <source>Package %1 was imported before: nothing changed.</source>
        <translation>第 %1 个数据包此前已导入，未作任何改动。</translation>
    </message>
    <message>
        <source>Package %1 imported: %2 created, %3 updated, %4 conflicts, %5 duplicates.</source>
        <translation>第 %1 个数据包已导入：新增 %2 条，更新 %3 条，冲突 %4 项，重复登记 %5 项。</translation>
    </message>
    <message>
        <source>Choose an open duplicate ticket first.</source>
        <translation>请先选择一条待处理的重复登记。</translation>
    </message>
    <message>
        <source>Decided: the outcome travels to both townships with the next packages.</source>
        <translation>已处理：结果将随下一次数据包发往两个乡镇。</translation>
    </message>
    <message>
        <source>Choose a conflict first.</source>
        <translation>请先选择一项冲突。</translation>
    </message>
</context>
<context>
    <name>FilePage</name>
    <message>
        <source>Choose the spreadsheet</source>
        <translation>选择表格文件</translation>
    </message>
    <message>
        <source>An Excel workbook (.xlsx, or the older .xls), an .ods or a .csv file (UTF-8 or GBK) with one row per person.</source>
        <translation>每人一行的 Excel 工作簿（.xlsx 或旧版 .xls）、.ods 或 .csv 文件（UTF-8 或 GBK 编码）。</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <source>Sheet:</source>
        <translation>工作表：</translation>
    </message>
    <message>
        <source>Spreadsheets (*.xlsx *.xls *.ods *.csv)</source>
        <translation>表格文件 (*.xlsx *.xls *.ods *.csv)</translation>
    </message>
    <message>
        <source>Header found on row %1; %2 columns.</source>
        <translation>表头在第 %1 行，共 %2 列。</translation>
    </message>
</context>
<context>
    <name>FirstAdministratorDialog</name>
    <message>
        <source>First administrator</source>
        <translation>首个管理员</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Repeat password</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <source>This database has no users yet: create its administrator.</source>
        <translation>此数据库尚无用户，请先创建系统管理员。</translation>
    </message>
    <message>
        <source>The passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
</context>
<context>
    <name>FundsDialog</name>
    <message>
        <source>Funds report</source>
        <translation>资金发放统计</translation>
    </message>
    <message>
        <source>Whole year</source>
        <translation>全年</translation>
    </message>
    <message>
        <source>Month %1</source>
        <translation>%1 月</translation>
    </message>
    <message>
        <source>PDF</source>
        <translation>PDF</translation>
    </message>
    <message>
        <source>Excel</source>
        <translation>Excel</translation>
    </message>
    <message>
        <source>Counts approved rosters only: households, persons and amounts by program, class and village, and the average paid per person against the required subsidy level.</source>
        <translation>仅统计已审批的花名册：按救助项目、城乡类别和村（社区）统计户数、人数和金额，以及人均实发水平与要求补助水平的对比。</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>区划</translation>
    </message>
    <message>
        <source>Year</source>
        <translation>年度</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>统计期</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
</context>
<context>
    <name>HelpWindow</name>
    <message>
        <source>AssistCase help</source>
        <translation>社会救助个案管理 帮助</translation>
    </message>
    <message>
        <source>Search the help…</source>
        <translation>搜索帮助…</translation>
    </message>
</context>
<context>
    <name>HouseholdEditor</name>
    <message>
        <source>&amp;Village</source>
        <translation>所属村(社区)(&amp;V)</translation>
    </message>
    <message>
        <source>Urban/rural</source>
        <translation>城乡类别</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>救助类别</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>家庭住址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>联系电话</translation>
    </message>
    <message>
        <source>Account type</source>
        <translation>账户类型</translation>
    </message>
    <message>
        <source>Account number</source>
        <translation>银行账号</translation>
    </message>
    <message>
        <source>Bank</source>
        <translation>开户银行</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Birth date</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>年龄</translation>
    </message>
    <message>
        <source>Relation to head</source>
        <translation>与户主关系</translation>
    </message>
    <message>
        <source>Disability grade</source>
        <translation>残疾等级</translation>
    </message>
    <message>
        <source>Serious illness</source>
        <translation>重病</translation>
    </message>
    <message>
        <source>Self-care</source>
        <translation>自理能力</translation>
    </message>
    <message>
        <source>Disability category</source>
        <translation>残疾类别</translation>
    </message>
    <message>
        <source>In school</source>
        <translation>在校</translation>
    </message>
    <message>
        <source>Able to work</source>
        <translation>有劳动能力</translation>
    </message>
    <message>
        <source>Add &amp;member</source>
        <translation>添加成员(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Remove member…</source>
        <translation>移除成员(&amp;R)…</translation>
    </message>
    <message>
        <source>Make &amp;head…</source>
        <translation>设为户主(&amp;H)…</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>收入来源</translation>
    </message>
    <message>
        <source>Monthly amount (yuan)</source>
        <translation>月收入（元）</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>From</source>
        <translation>起始日期</translation>
    </message>
    <message>
        <source>Until</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>yuan, e.g. 350.00</source>
        <translation>元，如 350.00</translation>
    </message>
    <message>
        <source>The date from which the income holds, or on which the selected income changes or ends</source>
        <translation>收入起始日期，或所选收入变更、截止的日期</translation>
    </message>
    <message>
        <source>Change selected from date</source>
        <translation>所选项自该日起变更</translation>
    </message>
    <message>
        <source>End selected on date</source>
        <translation>所选项于该日截止</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Value (yuan)</source>
        <translation>价值（元）</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>yuan</source>
        <translation>元</translation>
    </message>
    <message>
        <source>The date from which the item is held, or on which the selected item ends</source>
        <translation>财产起始日期，或所选财产截止的日期</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>变更内容</translation>
    </message>
    <message>
        <source>Everyone</source>
        <translation>全部人员</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>家庭成员</translation>
    </message>
    <message>
        <source>Incomes</source>
        <translation>收入</translation>
    </message>
    <message>
        <source>Property</source>
        <translation>财产</translation>
    </message>
    <message>
        <source>History</source>
        <translation>变更记录</translation>
    </message>
    <message>
        <source>Papers</source>
        <translation>材料</translation>
    </message>
    <message>
        <source>Reload the household (discard my changes)</source>
        <translation>重新载入该户（放弃我的修改）</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Save (Ctrl+S)</source>
        <translation>保存 (Ctrl+S)</translation>
    </message>
    <message>
        <source>Close household…</source>
        <translation>注销本户…</translation>
    </message>
    <message>
        <source>Assistance cases…</source>
        <translation>救助案件…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Changes made on or after this day</source>
        <translation>此日及以后的变更</translation>
    </message>
    <message>
        <source>Changes made on or before this day</source>
        <translation>此日及以前的变更</translation>
    </message>
    <message>
        <source>any day</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>User</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Date:</source>
        <translation>日期：</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Delete selected</source>
        <translation>删除所选</translation>
    </message>
    <message>
        <source>For a row entered by mistake; a change is recorded from its date instead</source>
        <translation>仅用于更正录入错误；实际变动请按日期登记变更</translation>
    </message>
    <message>
        <source>New household</source>
        <translation>新增户</translation>
    </message>
    <message>
        <source>Household {number} — {head} ({path})</source>
        <translation>户 {number} — {head}（{path}）</translation>
    </message>
    <message>
        <source>[closed]</source>
        <translation>［已注销］</translation>
    </message>
    <message>
        <source>Household {number}</source>
        <translation>户 {number}</translation>
    </message>
    <message>
        <source>Household income {total} yuan/month; {n} members; per capita {pc} yuan/month</source>
        <translation>家庭月收入 {total} 元；共 {n} 人；人均月收入 {pc} 元</translation>
    </message>
    <message>
        <source>registration</source>
        <translation>登记时起</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Grade {g}</source>
        <translation>{g}级</translation>
    </message>
    <message>
        <source>Row {row}:</source>
        <translation>第{row}行：</translation>
    </message>
    <message>
        <source>{prefix} {n} of 18 characters</source>
        <translation>{prefix}已输入 {n}/18 位</translation>
    </message>
    <message>
        <source>{prefix} born {birth}, {sex}, age {age}</source>
        <translation>{prefix}出生日期 {birth}，{sex}，{age} 岁</translation>
    </message>
    <message>
        <source>Row {row}: {message}</source>
        <translation>第{row}行：{message}</translation>
    </message>
    <message>
        <source>Remove member</source>
        <translation>移除成员</translation>
    </message>
    <message>
        <source>Save the new member before making them head.</source>
        <translation>请先保存新成员，再设为户主。</translation>
    </message>
    <message>
        <source>Change of head</source>
        <translation>变更户主</translation>
    </message>
    <message>
        <source>The former head&apos;s relation to the new head:</source>
        <translation>原户主与新户主的关系：</translation>
    </message>
    <message>
        <source>Close household</source>
        <translation>注销本户</translation>
    </message>
    <message>
        <source>Enter the amount in yuan, e.g. 350 or 350.50</source>
        <translation>请输入以元为单位的金额，如 350 或 350.50</translation>
    </message>
    <message>
        <source>Select the income and enter its new amount</source>
        <translation>请选择收入并填写变更后的金额</translation>
    </message>
    <message>
        <source>Enter the value in yuan, e.g. 20000</source>
        <translation>请输入以元为单位的价值，如 20000</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的修改</translation>
    </message>
    <message>
        <source>This household has unsaved changes. Discard them?</source>
        <translation>本户有未保存的修改，是否放弃？</translation>
    </message>
</context>
<context>
    <name>HouseholdTableModel</name>
    <message>
        <source>Household No.</source>
        <translation>户编号</translation>
    </message>
    <message>
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <source>Head&apos;s ID number</source>
        <translation>户主身份证号</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇(街道)</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村(社区)</translation>
    </message>
    <message>
        <source>Urban/rural</source>
        <translation>城乡类别</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>家庭人口</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
</context>
<context>
    <name>ImportWizard</name>
    <message>
        <source>Import households from a spreadsheet</source>
        <translation>从表格导入家庭户</translation>
    </message>
</context>
<context>
    <name>LiaisonPage</name>
    <message>
        <source>All levels</source>
        <translation>全部级别</translation>
    </message>
    <message>
        <source>Province</source>
        <translation>省级</translation>
    </message>
    <message>
        <source>City</source>
        <translation>市级</translation>
    </message>
    <message>
        <source>County</source>
        <translation>县级</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>As of</source>
        <translation>截至</translation>
    </message>
    <message>
        <source>Leader level</source>
        <translation>领导级别</translation>
    </message>
    <message>
        <source>Read-only view</source>
        <translation>只读查看</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>联系计划</translation>
    </message>
    <message>
        <source>Visit log</source>
        <translation>联系记录</translation>
    </message>
    <message>
        <source>Compliance</source>
        <translation>考核情况</translation>
    </message>
    <message>
        <source>Institutions and assignments</source>
        <translation>机构与联系安排</translation>
    </message>
    <message>
        <source>Records</source>
        <translation>登记管理</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>成效</translation>
    </message>
    <message>
        <source>✓ contact done · ○ due · ✗ missed. Month columns show the duties whose period ends in that month.</source>
        <translation>✓ 达标 · ○ 待联系 · ✗ 未达标。月份列显示周期在该月结束的联系任务。</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Leader</source>
        <translation>领导</translation>
    </message>
    <message>
        <source>Institution</source>
        <translation>机构</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>Topics</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>了解情况</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>存在问题</translation>
    </message>
    <message>
        <source>Rectifications</source>
        <translation>整改事项</translation>
    </message>
    <message>
        <source>Log a visit</source>
        <translation>登记一次联系</translation>
    </message>
    <message>
        <source>On site</source>
        <translation>实地</translation>
    </message>
    <message>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Rectification action (optional)</source>
        <translation>整改措施（可选）</translation>
    </message>
    <message>
        <source>due on</source>
        <translation>限期</translation>
    </message>
    <message>
        <source>Log visit</source>
        <translation>登记联系</translation>
    </message>
    <message>
        <source>Problems found</source>
        <translation>发现问题</translation>
    </message>
    <message>
        <source>Rectification</source>
        <translation>整改</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <source>Quarter</source>
        <translation>季度</translation>
    </message>
    <message>
        <source>Half-year</source>
        <translation>半年</translation>
    </message>
    <message>
        <source>Year</source>
        <translation>年</translation>
    </message>
    <message>
        <source>Export PDF…</source>
        <translation>导出 PDF…</translation>
    </message>
    <message>
        <source>Export Excel…</source>
        <translation>导出 Excel…</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>期间</translation>
    </message>
    <message>
        <source>containing</source>
        <translation>包含日期</translation>
    </message>
    <message>
        <source>Institutions</source>
        <translation>联系机构</translation>
    </message>
    <message>
        <source>Last contact</source>
        <translation>最近联系日期</translation>
    </message>
    <message>
        <source>Level / role</source>
        <translation>级别 / 职务</translation>
    </message>
    <message>
        <source>Duty periods</source>
        <translation>应考核期次</translation>
    </message>
    <message>
        <source>Met</source>
        <translation>达标</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>未达标</translation>
    </message>
    <message>
        <source>Still due</source>
        <translation>待联系</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>完成率</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>职务</translation>
    </message>
    <message>
        <source>Frequency</source>
        <translation>频次</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>应联系</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已联系</translation>
    </message>
    <message>
        <source>Periods met</source>
        <translation>达标期次</translation>
    </message>
    <message>
        <source>Periods missed</source>
        <translation>未达标期次</translation>
    </message>
    <message>
        <source>Missed periods</source>
        <translation>未达标期间</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Visit date</source>
        <translation>联系日期</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>整改措施</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>期限</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>逾期</translation>
    </message>
    <message>
        <source>Leaders judged</source>
        <translation>参加考核领导</translation>
    </message>
    <message>
        <source>Leaders fully met</source>
        <translation>全部达标领导</translation>
    </message>
    <message>
        <source>Share fully met</source>
        <translation>全部达标占比</translation>
    </message>
    <message>
        <source>Due within 30 days</source>
        <translation>30天内到期</translation>
    </message>
    <message>
        <source>Credited</source>
        <translation>计入次数</translation>
    </message>
    <message>
        <source>Open rectifications</source>
        <translation>未完成整改</translation>
    </message>
    <message>
        <source>Mark selected rectification done</source>
        <translation>将所选整改标记为完成</translation>
    </message>
    <message>
        <source>Suggested liaison units, weakest first</source>
        <translation>建议联系单位（按薄弱程度排序）</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Weakness score</source>
        <translation>薄弱评分</translation>
    </message>
    <message>
        <source>Weak in</source>
        <translation>薄弱方面</translation>
    </message>
    <message>
        <source>Assessed on</source>
        <translation>评估日期</translation>
    </message>
    <message>
        <source>Leaders linked</source>
        <translation>联系领导</translation>
    </message>
    <message>
        <source>Assignments in force</source>
        <translation>现行联系安排</translation>
    </message>
    <message>
        <source>From</source>
        <translation>起</translation>
    </message>
    <message>
        <source>Until</source>
        <translation>止</translation>
    </message>
    <message>
        <source>Assign a leader to an institution</source>
        <translation>安排领导联系机构</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>安排</translation>
    </message>
    <message>
        <source>Family search</source>
        <translation>寻亲服务</translation>
    </message>
    <message>
        <source>Information system</source>
        <translation>信息系统应用</translation>
    </message>
    <message>
        <source>Safety</source>
        <translation>安全运行</translation>
    </message>
    <message>
        <source>Archives</source>
        <translation>档案管理</translation>
    </message>
    <message>
        <source>Care</source>
        <translation>照料服务</translation>
    </message>
    <message>
        <source>Long-stay persons</source>
        <translation>长期滞留人员</translation>
    </message>
    <message>
        <source>met</source>
        <translation>达标</translation>
    </message>
    <message>
        <source>missed</source>
        <translation>未达标</translation>
    </message>
    <message>
        <source>due</source>
        <translation>待联系</translation>
    </message>
    <message>
        <source>no duty</source>
        <translation>无任务</translation>
    </message>
    <message>
        <source>monthly</source>
        <translation>每月</translation>
    </message>
    <message>
        <source>quarterly</source>
        <translation>每季度</translation>
    </message>
    <message>
        <source>half-yearly</source>
        <translation>每半年</translation>
    </message>
    <message>
        <source>yearly</source>
        <translation>每年</translation>
    </message>
    <message>
        <source>This period</source>
        <translation>本期</translation>
    </message>
    <message>
        <source>Done / required</source>
        <translation>已联系 / 应联系</translation>
    </message>
    <message>
        <source>Next due</source>
        <translation>下次期限</translation>
    </message>
    <message>
        <source>Overdue periods</source>
        <translation>逾期期次</translation>
    </message>
    <message>
        <source>deadline</source>
        <translation>期限</translation>
    </message>
    <message>
        <source>Compliance rate: %1</source>
        <translation>完成率：%1</translation>
    </message>
    <message>
        <source>Leaders who fell short: %1 of %2 judged</source>
        <translation>未达标领导：%1 人（参加考核 %2 人）</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Rescue station</source>
        <translation>救助管理站</translation>
    </message>
    <message>
        <source>Care institution</source>
        <translation>托养机构</translation>
    </message>
    <message>
        <source>infrastructure</source>
        <translation>基础设施</translation>
    </message>
    <message>
        <source>service level</source>
        <translation>服务水平</translation>
    </message>
    <message>
        <source>assistance volume</source>
        <translation>救助量</translation>
    </message>
    <message>
        <source>long-stay persons</source>
        <translation>长期滞留人员</translation>
    </message>
    <message>
        <source>safety hazards</source>
        <translation>安全隐患</translation>
    </message>
    <message>
        <source>New…</source>
        <translation>新增…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>修改…</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>在用</translation>
    </message>
    <message>
        <source>Close…</source>
        <translation>停用…</translation>
    </message>
    <message>
        <source>Weakness assessments</source>
        <translation>薄弱评估（选“弱”）</translation>
    </message>
    <message>
        <source>Infrastructure (1–5)</source>
        <translation>基础设施（1–5）</translation>
    </message>
    <message>
        <source>Service level (1–5)</source>
        <translation>服务水平（1–5）</translation>
    </message>
    <message>
        <source>Assistance volume</source>
        <translation>救助量</translation>
    </message>
    <message>
        <source>Safety hazards</source>
        <translation>安全隐患</translation>
    </message>
    <message>
        <source>Assess…</source>
        <translation>评估…</translation>
    </message>
    <message>
        <source>Leaders</source>
        <translation>领导</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>现任职务</translation>
    </message>
    <message>
        <source>In post</source>
        <translation>在任</translation>
    </message>
    <message>
        <source>End…</source>
        <translation>结束…</translation>
    </message>
    <message>
        <source>Assignments</source>
        <translation>联系安排</translation>
    </message>
    <message>
        <source>Frequency rules</source>
        <translation>联系频次规则</translation>
    </message>
    <message>
        <source>At least</source>
        <translation>至少（次）</translation>
    </message>
    <message>
        <source>Change from a date…</source>
        <translation>自某日起调整…</translation>
    </message>
    <message>
        <source>Quarterly results</source>
        <translation>季度成效</translation>
    </message>
    <message>
        <source>Long-stay at start</source>
        <translation>期初长期滞留</translation>
    </message>
    <message>
        <source>New long-stay</source>
        <translation>新增长期滞留</translation>
    </message>
    <message>
        <source>Returned home</source>
        <translation>寻亲返乡</translation>
    </message>
    <message>
        <source>Long-stay at end</source>
        <translation>期末长期滞留</translation>
    </message>
    <message>
        <source>Outside placements</source>
        <translation>外部托养</translation>
    </message>
    <message>
        <source>Record…</source>
        <translation>填报…</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>查看…</translation>
    </message>
    <message>
        <source>Close an institution</source>
        <translation>停用机构</translation>
    </message>
    <message>
        <source>Last day in use</source>
        <translation>最后在用日期</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Infrastructure (1 weak – 5 strong)</source>
        <translation>基础设施（1弱–5强）</translation>
    </message>
    <message>
        <source>Service level (1 weak – 5 strong)</source>
        <translation>服务水平（1弱–5强）</translation>
    </message>
    <message>
        <source>Persons assisted last year</source>
        <translation>上年救助人次</translation>
    </message>
    <message>
        <source>Long-stay persons now</source>
        <translation>现有长期滞留人员</translation>
    </message>
    <message>
        <source>Open safety hazards</source>
        <translation>未消除安全隐患</translation>
    </message>
    <message>
        <source>Weakness assessment</source>
        <translation>薄弱评估</translation>
    </message>
    <message>
        <source>A leader leaves the post</source>
        <translation>领导离任</translation>
    </message>
    <message>
        <source>Last day</source>
        <translation>最后一天</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>所属单位</translation>
    </message>
    <message>
        <source>(open)</source>
        <translation>（长期）</translation>
    </message>
    <message>
        <source>End an assignment</source>
        <translation>结束联系安排</translation>
    </message>
    <message>
        <source>Assignment</source>
        <translation>联系安排</translation>
    </message>
    <message>
        <source>Applies from</source>
        <translation>生效日期</translation>
    </message>
    <message>
        <source>At least (contacts per period)</source>
        <translation>每周期至少联系次数</translation>
    </message>
    <message>
        <source>Frequency rule</source>
        <translation>联系频次规则</translation>
    </message>
    <message>
        <source>A change applies from its date on; earlier periods keep the rule in force then.</source>
        <translation>调整自生效日期起适用；此前各期仍按当时有效的规则考核。</translation>
    </message>
    <message>
        <source>Long-stay persons at the start</source>
        <translation>期初长期滞留人员</translation>
    </message>
    <message>
        <source>Long-stay persons at the end</source>
        <translation>期末长期滞留人员</translation>
    </message>
    <message>
        <source>New long-stay persons</source>
        <translation>新增长期滞留人员</translation>
    </message>
    <message>
        <source>Returned home through family search</source>
        <translation>寻亲成功返乡人数</translation>
    </message>
    <message>
        <source>Outside care placements</source>
        <translation>外部托养人数</translation>
    </message>
    <message>
        <source>Quarter (any day in it)</source>
        <translation>季度（其中任一日）</translation>
    </message>
    <message>
        <source>Institutions&apos; quarterly results in the report period</source>
        <translation>统计期间内各机构季度成效</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>增减</translation>
    </message>
    <message>
        <source>Per leader and linked institution, since the leader&apos;s contacts began</source>
        <translation>各领导所联系机构自首次联系以来的变化</translation>
    </message>
    <message>
        <source>First contact</source>
        <translation>首次联系</translation>
    </message>
    <message>
        <source>Quarters</source>
        <translation>季度范围</translation>
    </message>
    <message>
        <source>Long-stay before</source>
        <translation>联系前长期滞留</translation>
    </message>
    <message>
        <source>Long-stay now</source>
        <translation>最近长期滞留</translation>
    </message>
    <message>
        <source>Writing the liaison report…</source>
        <translation>正在生成联系情况统计…</translation>
    </message>
    <message>
        <source>Cancelled: nothing was written.</source>
        <translation>已取消：未写入任何文件。</translation>
    </message>
    <message>
        <source>Export PDF</source>
        <translation>导出 PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>Export Excel</source>
        <translation>导出 Excel</translation>
    </message>
    <message>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
</context>
<context>
    <name>ListTools</name>
    <message>
        <source>Filter the rows shown (any column contains…)</source>
        <translation>筛选本列表（任一列包含…）</translation>
    </message>
    <message>
        <source>rows containing “{text}”</source>
        <translation>包含“{text}”的行</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>打开(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Copy rows</source>
        <translation>复制行(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Export the list to Excel…</source>
        <translation>导出到Excel(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Filter the rows…</source>
        <translation>筛选(&amp;F)…</translation>
    </message>
    <message>
        <source>Export the list</source>
        <translation>导出列表</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>List</source>
        <translation>列表</translation>
    </message>
    <message>
        <source>Exporting the list…</source>
        <translation>正在导出列表…</translation>
    </message>
    <message>
        <source>The list could not be written: {error}</source>
        <translation>列表无法写入：{error}</translation>
    </message>
</context>
<context>
    <name>LockDialog</name>
    <message>
        <source>Locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <source>Locked after a time without use. {name}, give your password to go on.</source>
        <translation>长时间无操作，已锁定。{name}，请输入密码继续。</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Wrong password.</source>
        <translation>密码错误。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>AssistCase — social assistance case management</source>
        <translation>AssistCase — 社会救助个案管理</translation>
    </message>
    <message>
        <source>DEMO DATA (not real households)</source>
        <translation>演示数据（非真实救助对象）</translation>
    </message>
    <message>
        <source>Not available in this version yet</source>
        <translation>本版本暂未提供</translation>
    </message>
    <message>
        <source>User: {user} ({roles})</source>
        <translation>用户：{user}（{roles}）</translation>
    </message>
    <message>
        <source>User: {user}</source>
        <translation>用户：{user}</translation>
    </message>
    <message>
        <source>Change password…</source>
        <translation>修改密码…</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>锁屏</translation>
    </message>
    <message>
        <source>Database: {path}</source>
        <translation>数据库：{path}</translation>
    </message>
    <message>
        <source>Demo data</source>
        <translation>演示数据</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New empty database…</source>
        <translation>新建空数据库(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Backups and restore…</source>
        <translation>备份与恢复(&amp;B)…</translation>
    </message>
    <message>
        <source>Sign &amp;out</source>
        <translation>退出登录(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Copy the selected rows</source>
        <translation>复制选中的行(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Find…</source>
        <translation>查找(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Export the list to Excel…</source>
        <translation>导出当前列表到Excel(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>查看(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Reset window size and columns</source>
        <translation>恢复默认窗口大小和列宽(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Import a household register…</source>
        <translation>导入户籍名册(&amp;I)…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>Hel&amp;p</source>
        <translation>帮助(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Help for this page</source>
        <translation>本页帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About AssistCase</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <source>About AssistCase</source>
        <translation>关于社会救助个案管理</translation>
    </message>
    <message>
        <source>AssistCase {version}: social assistance case management (社会救助).
Database: {path}</source>
        <translation>社会救助个案管理 {version}
数据库：{path}</translation>
    </message>
    <message>
        <source> (%1, %2 overdue)</source>
        <translation>（%1，逾期 %2）</translation>
    </message>
    <message>
        <source> (%1)</source>
        <translation>（%1）</translation>
    </message>
</context>
<context>
    <name>MappingPage</name>
    <message>
        <source>Match the columns</source>
        <translation>对应列</translation>
    </message>
    <message>
        <source>Each column of the sheet and the registry field it holds. Correct any that were guessed wrong; save the mapping to use it again.</source>
        <translation>表格的每一列及其对应的登记字段。如有识别错误请更正；可保存对应关系以便下次使用。</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <source>First value</source>
        <translation>首个值</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>登记字段</translation>
    </message>
    <message>
        <source>Save mapping…</source>
        <translation>保存对应关系…</translation>
    </message>
    <message>
        <source>Load mapping…</source>
        <translation>载入对应关系…</translation>
    </message>
    <message>
        <source>(do not import)</source>
        <translation>（不导入）</translation>
    </message>
    <message>
        <source>Save mapping</source>
        <translation>保存对应关系</translation>
    </message>
    <message>
        <source>Column mappings (*.json)</source>
        <translation>列对应关系 (*.json)</translation>
    </message>
    <message>
        <source>Mapping saved to %1</source>
        <translation>对应关系已保存到 %1</translation>
    </message>
    <message>
        <source>Load mapping</source>
        <translation>载入对应关系</translation>
    </message>
</context>
<context>
    <name>NewRosterDialog</name>
    <message>
        <source>New roster</source>
        <translation>新建花名册</translation>
    </message>
    <message>
        <source>Monthly roster</source>
        <translation>月度花名册</translation>
    </message>
    <message>
        <source>One-time subsidy</source>
        <translation>一次性生活补贴</translation>
    </message>
    <message>
        <source>Urban and rural</source>
        <translation>城市和农村</translation>
    </message>
    <message>
        <source>Urban</source>
        <translation>城市</translation>
    </message>
    <message>
        <source>Rural</source>
        <translation>农村</translation>
    </message>
    <message>
        <source>Dibao</source>
        <translation>低保</translation>
    </message>
    <message>
        <source>Extreme hardship</source>
        <translation>特困</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月份</translation>
    </message>
    <message>
        <source>Program</source>
        <translation>救助项目</translation>
    </message>
    <message>
        <source>yuan per person, e.g. 210</source>
        <translation>每人金额（元），例如 210</translation>
    </message>
    <message>
        <source>what it pays for, e.g. 2022年一次性生活补贴</source>
        <translation>补贴用途，如：2022年一次性生活补贴</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>用途</translation>
    </message>
    <message>
        <source>Payment date</source>
        <translation>发放日期</translation>
    </message>
    <message>
        <source>Amount per person</source>
        <translation>每人金额</translation>
    </message>
    <message>
        <source>Categories</source>
        <translation>对象类别</translation>
    </message>
    <message>
        <source>Build</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>区划</translation>
    </message>
    <message>
        <source>Urban / rural</source>
        <translation>城乡类别</translation>
    </message>
    <message>
        <source>Enter what the subsidy pays for, for example 2022年一次性生活补贴.</source>
        <translation>请填写补贴用途，如：2022年一次性生活补贴。</translation>
    </message>
    <message>
        <source>Enter the amount per person in yuan, for example 210.</source>
        <translation>请输入每人补贴金额（元），例如 210。</translation>
    </message>
</context>
<context>
    <name>PapersWidget</name>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Paper</source>
        <translation>材料</translation>
    </message>
    <message>
        <source>Added by</source>
        <translation>添加人</translation>
    </message>
    <message>
        <source>Added at</source>
        <translation>添加时间</translation>
    </message>
    <message>
        <source>Content hash (SHA-256)</source>
        <translation>内容校验码（SHA-256）</translation>
    </message>
    <message>
        <source>Attach a file…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>移除…</translation>
    </message>
    <message>
        <source>Paper:</source>
        <translation>材料：</translation>
    </message>
    <message>
        <source>Required papers: </source>
        <translation>应附材料：</translation>
    </message>
    <message>
        <source>Attach a file</source>
        <translation>添加文件</translation>
    </message>
    <message>
        <source>Scans, photos, documents</source>
        <translation>扫描件、照片、文档</translation>
    </message>
    <message>
        <source>No program on this computer opened the file. It is kept at: {path}</source>
        <translation>本机没有程序能打开此文件。文件保存在：{path}</translation>
    </message>
    <message>
        <source>Remove the paper</source>
        <translation>移除材料</translation>
    </message>
    <message>
        <source>Why is it removed? (kept, and recorded)</source>
        <translation>移除原因（文件保留，并记入变更记录）：</translation>
    </message>
</context>
<context>
    <name>PaperworkDialog</name>
    <message>
        <source>Complete the file</source>
        <translation>补齐材料</translation>
    </message>
    <message>
        <source>File complete</source>
        <translation>材料齐全</translation>
    </message>
    <message>
        <source>Case %1: %2, paid on %3</source>
        <translation>案件 %1：%2，%3 发放</translation>
    </message>
    <message>
        <source>due %1</source>
        <translation>期限 %1</translation>
    </message>
    <message>
        <source>Documents received</source>
        <translation>已收材料</translation>
    </message>
    <message>
        <source>Complete on</source>
        <translation>补齐日期</translation>
    </message>
</context>
<context>
    <name>PaymentDialog</name>
    <message>
        <source>Record payment</source>
        <translation>登记发放</translation>
    </message>
    <message>
        <source>Case %1: %2, granted %3 yuan, paid by %4</source>
        <translation>案件 %1：%2，批准 %3 元，发放方式：%4</translation>
    </message>
    <message>
        <source>Urgent aid paid first (先行救助): the file is incomplete and must be completed within the deadline after payment.</source>
        <translation>先行救助：材料尚不齐全，须在发放后规定期限内补齐。</translation>
    </message>
    <message>
        <source>e.g. cash handed over by the township office</source>
        <translation>如：由乡镇民政所现金发放</translation>
    </message>
    <message>
        <source>Paid on</source>
        <translation>发放日期</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>PdfPrintPreview</name>
    <message>
        <source>Print preview: %1</source>
        <translation>打印预览：%1</translation>
    </message>
    <message>
        <source>Open in PDF viewer</source>
        <translation>用PDF阅读器打开</translation>
    </message>
</context>
<context>
    <name>PendingDialog</name>
    <message>
        <source>Waiting for the next roster</source>
        <translation>待下期发放事项</translation>
    </message>
    <message>
        <source>Reissue (failed payment)</source>
        <translation>重发（发放失败）</translation>
    </message>
    <message>
        <source>Supplement</source>
        <translation>补发</translation>
    </message>
    <message>
        <source>Deduction</source>
        <translation>扣减</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月份</translation>
    </message>
    <message>
        <source>Roster</source>
        <translation>花名册</translation>
    </message>
    <message>
        <source>Payee</source>
        <translation>领款人</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村（社区）</translation>
    </message>
    <message>
        <source>Amount (yuan)</source>
        <translation>金额（元）</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>%1 item(s). Each is paid by the next roster built for its program and area, exactly once.</source>
        <translation>共 %1 项。每项由该项目、该区划下一期生成的花名册发放，且只发放一次。</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>ReceivedRostersBox</name>
    <message>
        <source>Rosters from the bureau (read-only)</source>
        <translation>救助局下发的花名册（只读）</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>草稿</translation>
    </message>
    <message>
        <source>Reviewed</source>
        <translation>已审核</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已审批</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月份</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Approved by</source>
        <translation>审批人</translation>
    </message>
    <message>
        <source>Lines here</source>
        <translation>本乡镇条数</translation>
    </message>
    <message>
        <source>Amount here (yuan)</source>
        <translation>本乡镇金额（元）</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>发放成功</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>发放失败</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Household</source>
        <translation>户</translation>
    </message>
    <message>
        <source>Payee</source>
        <translation>领款人</translation>
    </message>
    <message>
        <source>Persons</source>
        <translation>人数</translation>
    </message>
    <message>
        <source>Amount (yuan)</source>
        <translation>金额（元）</translation>
    </message>
    <message>
        <source>Bank result</source>
        <translation>银行回盘</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>paid</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>RefuseDialog</name>
    <message>
        <source>Refuse temporary aid</source>
        <translation>不予救助</translation>
    </message>
    <message>
        <source>Refuse</source>
        <translation>不予救助</translation>
    </message>
    <message>
        <source>Case %1: %2, requested %3 yuan</source>
        <translation>案件 %1：%2，申请 %3 元</translation>
    </message>
    <message>
        <source>Why the aid is refused</source>
        <translation>不予救助的理由</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>理由</translation>
    </message>
</context>
<context>
    <name>RegistryPage</name>
    <message>
        <source>Search: name, pinyin or initials (zs), ID number or its last 4+ characters, household number, village  (Ctrl+F)</source>
        <translation>搜索：姓名、拼音或首字母（zs）、身份证号或后4位以上、户编号、村名（Ctrl+F）</translation>
    </message>
    <message>
        <source>All villages</source>
        <translation>全部村(社区)</translation>
    </message>
    <message>
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>&amp;New household</source>
        <translation>新增户(&amp;N)</translation>
    </message>
    <message>
        <source>Register a new household (Ctrl+N)</source>
        <translation>登记新户 (Ctrl+N)</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>打开(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>导入(&amp;I)…</translation>
    </message>
    <message>
        <source>{n} households</source>
        <translation>共 {n} 户</translation>
    </message>
</context>
<context>
    <name>RosterLinesModel</name>
    <message>
        <source>No.</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村（社区）</translation>
    </message>
    <message>
        <source>Payee</source>
        <translation>领款人</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Persons</source>
        <translation>人数</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Amount (yuan)</source>
        <translation>金额（元）</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>账户</translation>
    </message>
    <message>
        <source>Remark</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Dibao</source>
        <translation>低保</translation>
    </message>
    <message>
        <source>Extreme hardship</source>
        <translation>特困</translation>
    </message>
    <message>
        <source>Temporary aid</source>
        <translation>临时救助</translation>
    </message>
    <message>
        <source>urban</source>
        <translation>城市</translation>
    </message>
    <message>
        <source>rural</source>
        <translation>农村</translation>
    </message>
</context>
<context>
    <name>RostersPage</name>
    <message>
        <source>Draft</source>
        <extracomment>Open a written PDF or workbook in the system viewer (off in tests and batch runs).</extracomment>
        <translation>草稿</translation>
    </message>
    <message>
        <source>Reviewed</source>
        <translation>已审核</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已审批</translation>
    </message>
    <message>
        <source>Dibao</source>
        <translation>低保</translation>
    </message>
    <message>
        <source>Extreme hardship</source>
        <translation>特困</translation>
    </message>
    <message>
        <source>One-time subsidy</source>
        <translation>一次性生活补贴</translation>
    </message>
    <message>
        <source>Temporary aid</source>
        <translation>临时救助</translation>
    </message>
    <message>
        <source>urban and rural</source>
        <translation>城乡</translation>
    </message>
    <message>
        <source>urban</source>
        <translation>城市</translation>
    </message>
    <message>
        <source>rural</source>
        <translation>农村</translation>
    </message>
    <message>
        <source>New roster…</source>
        <translation>新建花名册…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Waiting for the next roster…</source>
        <translation>待下期发放…</translation>
    </message>
    <message>
        <source>Funds report…</source>
        <translation>资金发放统计…</translation>
    </message>
    <message>
        <source>Read-only view</source>
        <translation>只读视图</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月份</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Program</source>
        <translation>救助项目</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>区划</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Lines</source>
        <translation>笔数</translation>
    </message>
    <message>
        <source>Total (yuan)</source>
        <translation>合计（元）</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>审核</translation>
    </message>
    <message>
        <source>Send back…</source>
        <translation>退回…</translation>
    </message>
    <message>
        <source>Approve…</source>
        <translation>审批…</translation>
    </message>
    <message>
        <source>Rebuild…</source>
        <translation>重新生成…</translation>
    </message>
    <message>
        <source>Discard…</source>
        <translation>作废…</translation>
    </message>
    <message>
        <source>Record adjustment…</source>
        <translation>登记调整…</translation>
    </message>
    <message>
        <source>Print roster (PDF)…</source>
        <translation>打印花名册（PDF）…</translation>
    </message>
    <message>
        <source>Public notice (PDF)…</source>
        <translation>公示名单（PDF）…</translation>
    </message>
    <message>
        <source>Bank file (Excel)…</source>
        <translation>银行代发文件（Excel）…</translation>
    </message>
    <message>
        <source>Import bank returns…</source>
        <translation>导入银行回盘…</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇（街道）</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村（社区）</translation>
    </message>
    <message>
        <source>Persons</source>
        <translation>人数</translation>
    </message>
    <message>
        <source>Amount (yuan)</source>
        <translation>金额（元）</translation>
    </message>
    <message>
        <source>Subtotals by village</source>
        <translation>按村（社区）小计</translation>
    </message>
    <message>
        <source>No roster yet. Build one with “New roster…”.</source>
        <translation>还没有花名册。请用“新建花名册…”生成。</translation>
    </message>
    <message>
        <source>No roster yet.</source>
        <translation>还没有花名册。</translation>
    </message>
    <message>
        <source>Payment date %1</source>
        <translation>发放日期 %1</translation>
    </message>
    <message>
        <source>Month %1</source>
        <translation>发放月份 %1</translation>
    </message>
    <message>
        <source>Issued by %1</source>
        <translation>发放单位：%1</translation>
    </message>
    <message>
        <source>Purpose %1</source>
        <translation>用途：%1</translation>
    </message>
    <message>
        <source>%1 yuan per person</source>
        <translation>每人 %1 元</translation>
    </message>
    <message>
        <source>%1 lines, %2 households, %3 persons, total %4 yuan</source>
        <translation>%1 笔，%2 户，%3 人，合计 %4 元</translation>
    </message>
    <message>
        <source>prepared by %1</source>
        <translation>制表：%1</translation>
    </message>
    <message>
        <source>reviewed by %1</source>
        <translation>审核：%1</translation>
    </message>
    <message>
        <source>approved by %1 on %2</source>
        <translation>审批：%1（%2）</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Cancelled: nothing was written.</source>
        <translation>已取消：未写入任何内容。</translation>
    </message>
    <message>
        <source>Building the roster…</source>
        <translation>正在生成花名册…</translation>
    </message>
    <message>
        <source>Built: %1 lines, total %2 yuan.</source>
        <translation>已生成：%1 笔，合计 %2 元。</translation>
    </message>
    <message>
        <source>Carried in: %1 reissues of failed payments, %2 adjustments.</source>
        <translation>转入：发放失败重发 %1 笔，调整 %2 笔。</translation>
    </message>
    <message>
        <source>%1 deductions wait for a later roster.</source>
        <translation>%1 笔扣减留待以后的花名册。</translation>
    </message>
    <message>
        <source>%1 cases have no standard in force and are not paid.</source>
        <translation>%1 个案件没有适用的保障标准，未列入发放。</translation>
    </message>
    <message>
        <source>Build the roster again from the registry as it is now? Its lines are replaced.</source>
        <translation>按当前登记信息重新生成花名册？原有明细将被替换。</translation>
    </message>
    <message>
        <source>The roster goes back to draft and must be reviewed again.</source>
        <translation>花名册将退回草稿，需重新审核。</translation>
    </message>
    <message>
        <source>Rebuild roster</source>
        <translation>重新生成花名册</translation>
    </message>
    <message>
        <source>Rebuild</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Rebuilding the roster…</source>
        <translation>正在重新生成花名册…</translation>
    </message>
    <message>
        <source>Reviewed.</source>
        <translation>已审核。</translation>
    </message>
    <message>
        <source>Send back to draft</source>
        <translation>退回草稿</translation>
    </message>
    <message>
        <source>Reason for sending the roster back:</source>
        <translation>退回原因：</translation>
    </message>
    <message>
        <source>Sent back to draft.</source>
        <translation>已退回草稿。</translation>
    </message>
    <message>
        <source>Approve roster</source>
        <translation>审批花名册</translation>
    </message>
    <message>
        <source>Approve “%1”: %2 lines, total %3 yuan?

Approval freezes the roster: its lines can never be changed again. Later corrections are recorded as adjustments that the next roster pays.</source>
        <translation>审批“%1”：%2 笔，合计 %3 元？

审批后花名册即锁定，其明细不能再作任何修改。以后的更正须登记为调整（补发/扣减），在下期花名册中发放。</translation>
    </message>
    <message>
        <source>Approve and freeze</source>
        <translation>审批并锁定</translation>
    </message>
    <message>
        <source>Approved: the roster is frozen.</source>
        <translation>已审批：花名册已锁定。</translation>
    </message>
    <message>
        <source>Discard roster</source>
        <translation>作废花名册</translation>
    </message>
    <message>
        <source>Reason for discarding the roster:</source>
        <translation>作废原因：</translation>
    </message>
    <message>
        <source>Roster discarded.</source>
        <translation>花名册已作废。</translation>
    </message>
    <message>
        <source>Select the line to adjust first.</source>
        <translation>请先选择要调整的明细。</translation>
    </message>
    <message>
        <source>Supplement</source>
        <translation>补发</translation>
    </message>
    <message>
        <source>Deduction</source>
        <translation>扣减</translation>
    </message>
    <message>
        <source>%1 of %2 yuan recorded; the next roster of this program pays it.</source>
        <translation>已登记%1 %2 元，在该项目下期花名册中发放。</translation>
    </message>
    <message>
        <source>public notice</source>
        <translation>公示名单</translation>
    </message>
    <message>
        <source>bank file</source>
        <translation>银行代发</translation>
    </message>
    <message>
        <source>Each village posts its own list. Print the notice as:</source>
        <translation>公示名单按村（社区）张贴。请选择打印方式：</translation>
    </message>
    <message>
        <source>One file, each village on its own pages</source>
        <translation>一个文件，每村（社区）另起一页</translation>
    </message>
    <message>
        <source>One file per village, in a folder</source>
        <translation>每村（社区）一个文件，存入文件夹</translation>
    </message>
    <message>
        <source>Folder for the villages&apos; notices</source>
        <translation>选择存放各村公示名单的文件夹</translation>
    </message>
    <message>
        <source>Print roster</source>
        <translation>打印花名册</translation>
    </message>
    <message>
        <source>Public notice</source>
        <translation>公示名单</translation>
    </message>
    <message>
        <source>Bank file</source>
        <translation>银行代发文件</translation>
    </message>
    <message>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>This output is not available in this version yet.</source>
        <translation>本版本暂不提供此输出。</translation>
    </message>
    <message>
        <source>Printing the roster…</source>
        <translation>正在打印花名册…</translation>
    </message>
    <message>
        <source>Printing the public notice…</source>
        <translation>正在生成公示名单…</translation>
    </message>
    <message>
        <source>Writing the bank file…</source>
        <translation>正在生成银行代发文件…</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>%1 files saved in %2</source>
        <translation>已保存 %1 个文件到 %2</translation>
    </message>
    <message>
        <source>No program to open it is installed. The file is saved at %1</source>
        <translation>没有安装可打开该文件的程序。文件已保存在 %1</translation>
    </message>
    <message>
        <source>Funds report</source>
        <translation>资金发放统计</translation>
    </message>
    <message>
        <source>Writing the funds report…</source>
        <translation>正在生成资金发放统计…</translation>
    </message>
    <message>
        <source>Import bank returns</source>
        <translation>导入银行回盘</translation>
    </message>
    <message>
        <source>Spreadsheets (*.xlsx *.xls *.ods *.csv)</source>
        <translation>表格文件 (*.xlsx *.xls *.ods *.csv)</translation>
    </message>
    <message>
        <source>Importing bank returns…</source>
        <translation>正在导入银行回盘…</translation>
    </message>
    <message>
        <source>Bank returns imported.</source>
        <translation>银行回盘已导入。</translation>
    </message>
    <message>
        <source>Bank returns imported: %1 paid (%2 yuan), %3 failed (%4 yuan). Failed payments are reissued by the next roster.</source>
        <translation>银行回盘已导入：成功 %1 笔（%2 元），失败 %3 笔（%4 元）。失败的款项将在下期花名册中重发。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>The language applies from the next start. Standards, limits and periods are policy settings: the standards page keeps them in the database, with the notice each comes from.</source>
        <translation>界面语言在下次启动时生效。保障标准、审批限额、期限等属于政策设置，在“保障标准”页维护，保存在数据库中并注明依据文件。</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <source>First page</source>
        <translation>启动时显示</translation>
    </message>
    <message>
        <source>New empty database</source>
        <translation>新建空数据库</translation>
    </message>
    <message>
        <source>AssistCase database (*.sqlite3)</source>
        <translation>社会救助数据库 (*.sqlite3)</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Sign in — AssistCase</source>
        <translation>登录 — 社会救助个案管理</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Demo database (演示数据): one user per role</source>
        <translation>演示数据库（演示数据）：每个角色一个用户</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
</context>
<context>
    <name>StandardsPage</name>
    <message>
        <source>Dibao standard</source>
        <translation>低保标准</translation>
    </message>
    <message>
        <source>Extreme-hardship basic living standard</source>
        <translation>特困人员基本生活标准</translation>
    </message>
    <message>
        <source>Care standard: fully self-caring</source>
        <translation>照料护理标准（全自理）</translation>
    </message>
    <message>
        <source>Care standard: partly disabled</source>
        <translation>照料护理标准（半失能）</translation>
    </message>
    <message>
        <source>Care standard: fully disabled</source>
        <translation>照料护理标准（全失能）</translation>
    </message>
    <message>
        <source>Required average subsidy level</source>
        <translation>补助水平</translation>
    </message>
    <message>
        <source>Urban</source>
        <translation>城市</translation>
    </message>
    <message>
        <source>Rural</source>
        <translation>农村</translation>
    </message>
    <message>
        <source>Standards</source>
        <translation>保障标准</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>区划</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>城乡类别</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>From</source>
        <translation>起始日期</translation>
    </message>
    <message>
        <source>As entered</source>
        <translation>录入值</translation>
    </message>
    <message>
        <source>Per month (yuan)</source>
        <translation>每月（元）</translation>
    </message>
    <message>
        <source>Notice</source>
        <translation>发文依据</translation>
    </message>
    <message>
        <source>title of the notice</source>
        <translation>文件标题</translation>
    </message>
    <message>
        <source>e.g. 商民〔2022〕12号</source>
        <translation>如：商民〔2022〕12号</translation>
    </message>
    <message>
        <source>Document number</source>
        <translation>文号</translation>
    </message>
    <message>
        <source>Date of issue</source>
        <translation>发文日期</translation>
    </message>
    <message>
        <source>Add a standard</source>
        <translation>新增标准</translation>
    </message>
    <message>
        <source>yuan per person</source>
        <translation>元/人</translation>
    </message>
    <message>
        <source>per month</source>
        <translation>按月</translation>
    </message>
    <message>
        <source>per year (as published)</source>
        <translation>按年（按公布口径）</translation>
    </message>
    <message>
        <source>Add standard</source>
        <translation>添加标准</translation>
    </message>
    <message>
        <source>Add to the list</source>
        <translation>加入待保存列表</translation>
    </message>
    <message>
        <source>Collect several figures of one notice and save them together (e.g. the dibao and extreme-hardship raises)</source>
        <translation>将同一文件的多项标准加入列表后一并保存（如同时提高低保标准和特困人员基本生活标准）</translation>
    </message>
    <message>
        <source>Save the list together</source>
        <translation>列表一并保存</translation>
    </message>
    <message>
        <source>Clear the list</source>
        <translation>清空列表</translation>
    </message>
    <message>
        <source>In force from</source>
        <translation>执行日期</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>周期</translation>
    </message>
    <message>
        <source>To save together</source>
        <translation>待一并保存</translation>
    </message>
    <message>
        <source> / year</source>
        <translation> /年</translation>
    </message>
    <message>
        <source> / month</source>
        <translation> /月</translation>
    </message>
    <message>
        <source>Enter the amount in yuan, for example 630 or 4,260.</source>
        <translation>请以元为单位填写金额，例如 630 或 4,260。</translation>
    </message>
    <message>
        <source>Policy settings</source>
        <translation>政策设置</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>设置项</translation>
    </message>
    <message>
        <source>Value today</source>
        <translation>现行值</translation>
    </message>
    <message>
        <source>Set by</source>
        <translation>设定单位</translation>
    </message>
    <message>
        <source>Values this area set, with their history</source>
        <translation>本区划设定的值及历史</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Set a policy value</source>
        <translation>设定政策值</translation>
    </message>
    <message>
        <source>Set from this date</source>
        <translation>自该日起执行</translation>
    </message>
    <message>
        <source>whole number from %1 to %2</source>
        <translation>%1 到 %2 之间的整数</translation>
    </message>
    <message>
        <source>In force in %1 today; areas below inherit them unless they set their own.</source>
        <translation>%1 现行政策设置；下级区划未自行设定的沿用上级设定。</translation>
    </message>
    <message>
        <source>default</source>
        <translation>默认值</translation>
    </message>
    <message>
        <source>from the start</source>
        <translation>初始设定</translation>
    </message>
    <message>
        <source>Enter a whole number.</source>
        <translation>请输入整数。</translation>
    </message>
</context>
<context>
    <name>StatisticsPage</name>
    <message>
        <source>Month</source>
        <translation>月度</translation>
    </message>
    <message>
        <source>Quarter</source>
        <translation>季度</translation>
    </message>
    <message>
        <source>January to month</source>
        <translation>1月至某月</translation>
    </message>
    <message>
        <source>Year</source>
        <translation>年度</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>统计</translation>
    </message>
    <message>
        <source>Report (PDF)…</source>
        <translation>统计报表（PDF）…</translation>
    </message>
    <message>
        <source>Summary (PDF)…</source>
        <translation>摘要（PDF）…</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>区划</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>统计期间</translation>
    </message>
    <message>
        <source>Program</source>
        <translation>救助项目</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>城乡类别</translation>
    </message>
    <message>
        <source>Households</source>
        <translation>户数</translation>
    </message>
    <message>
        <source>Persons (headcount)</source>
        <translation>人数</translation>
    </message>
    <message>
        <source>Person-months / person-times</source>
        <translation>人·月（临时救助：人次）</translation>
    </message>
    <message>
        <source>Funds paid (yuan)</source>
        <translation>发放资金（元）</translation>
    </message>
    <message>
        <source>Persons vs. a year earlier</source>
        <translation>人数同比</translation>
    </message>
    <message>
        <source>Funds vs. a year earlier</source>
        <translation>资金同比</translation>
    </message>
    <message>
        <source>Temporary aid: type or cause</source>
        <translation>临时救助：类型或原因</translation>
    </message>
    <message>
        <source>Person-times</source>
        <translation>人次</translation>
    </message>
    <message>
        <source>Funds (yuan)</source>
        <translation>资金（元）</translation>
    </message>
    <message>
        <source>Q%1</source>
        <translation>第%1季度</translation>
    </message>
    <message>
        <source>%1 month</source>
        <translation>%1月</translation>
    </message>
    <message>
        <source>Reading the statistics…</source>
        <translation>正在统计…</translation>
    </message>
    <message>
        <source>By type</source>
        <translation>按类型</translation>
    </message>
    <message>
        <source>By cause</source>
        <translation>按救助原因</translation>
    </message>
    <message>
        <source>Funds by channel: rosters by bank %1, rosters in cash %2, temporary aid paid directly by bank %3, in cash %4; total %5 yuan</source>
        <translation>按发放渠道：花名册银行代发 %1，花名册现金发放 %2，临时救助直接转账 %3，现金 %4；合计 %5 元</translation>
    </message>
    <message>
        <source>%1 dibao: average %2 yuan per person per month, required %3</source>
        <translation>%1低保：月人均补助 %2 元，要求补助水平 %3 元</translation>
    </message>
    <message>
        <source>Liaison compliance by level: %1</source>
        <translation>领导定点联系完成率（按级别）：%1</translation>
    </message>
    <message>
        <source>%1 rate %2 (met %3, missed %4, still due %5)</source>
        <translation>%1 完成率 %2（达标 %3，未达标 %4，待联系 %5）</translation>
    </message>
    <message>
        <source>no duties in the period</source>
        <translation>本期无应联系期次</translation>
    </message>
    <message>
        <source>Show the statistics first.</source>
        <translation>请先进行统计。</translation>
    </message>
    <message>
        <source>Statistics report</source>
        <translation>统计报表</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>Writing the statistics report…</source>
        <translation>正在生成统计报表…</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
</context>
<context>
    <name>SyncState</name>
    <message>
        <source>Sync state</source>
        <translation>同步状态</translation>
    </message>
    <message>
        <source>synced</source>
        <translation>已同步</translation>
    </message>
    <message>
        <source>to be sent</source>
        <translation>待发送</translation>
    </message>
    <message>
        <source>conflict</source>
        <translation>冲突</translation>
    </message>
</context>
<context>
    <name>TaskDialog</name>
    <message>
        <source>Task %1</source>
        <translation>核查任务 %1</translation>
    </message>
    <message>
        <source>Home check</source>
        <translation>入户排查</translation>
    </message>
    <message>
        <source>Eligibility check</source>
        <translation>资格核查</translation>
    </message>
    <message>
        <source>Payment review</source>
        <translation>发放核查</translation>
    </message>
    <message>
        <source>Household %1, %2 (%3)</source>
        <translation>户 %1，%2（%3）</translation>
    </message>
    <message>
        <source>Raised %1, due %2</source>
        <translation>预警日期 %1，办结时限 %2</translation>
    </message>
    <message>
        <source>The payment is held until this check is closed.</source>
        <translation>核查办结前暂停发放。</translation>
    </message>
    <message>
        <source>Newly included</source>
        <translation>新纳入救助</translation>
    </message>
    <message>
        <source>Benefit changed</source>
        <translation>调整待遇</translation>
    </message>
    <message>
        <source>Terminated</source>
        <translation>终止</translation>
    </message>
    <message>
        <source>No action</source>
        <translation>无需处理</translation>
    </message>
    <message>
        <source>Deceased: end the coverage</source>
        <translation>确认死亡：停止保障</translation>
    </message>
    <message>
        <source>Wrong match: release the payment</source>
        <translation>比对有误：恢复发放</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>核查结果</translation>
    </message>
    <message>
        <source>Checked on</source>
        <translation>核查日期</translation>
    </message>
    <message>
        <source>Subsistence allowance (dibao)</source>
        <translation>最低生活保障（低保）</translation>
    </message>
    <message>
        <source>Program</source>
        <translation>救助项目</translation>
    </message>
    <message>
        <source>Date of death</source>
        <translation>死亡日期</translation>
    </message>
    <message>
        <source>Findings / reason</source>
        <translation>情况/原因</translation>
    </message>
    <message>
        <source>Newly included after the check</source>
        <translation>入户排查后新纳入</translation>
    </message>
</context>
<context>
    <name>TodoPage</name>
    <message>
        <source>Area</source>
        <translation>区划</translation>
    </message>
    <message>
        <source>As of</source>
        <translation>截至</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>到期日</translation>
    </message>
    <message>
        <source>Household</source>
        <translation>户编号</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村(社区)</translation>
    </message>
    <message>
        <source>What</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <source>To-do list</source>
        <translation>待办事项</translation>
    </message>
    <message>
        <source>The to-do list could not be read: %1</source>
        <translation>待办事项读取失败：%1</translation>
    </message>
    <message>
        <source>overdue</source>
        <translation>逾期</translation>
    </message>
    <message>
        <source>%1 items due in %2, %3 overdue</source>
        <translation>%2 共 %1 项待办，其中逾期 %3 项</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>Unlock the database — AssistCase</source>
        <translation>解锁数据库 — 社会救助个案管理</translation>
    </message>
    <message>
        <source>only if no password opens it</source>
        <translation>仅在密码无法打开时填写</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>恢复密钥</translation>
    </message>
    <message>
        <source>The database %1 is encrypted. Unlock it with your password.</source>
        <translation>数据库 %1 已加密，请输入您的密码解锁。</translation>
    </message>
</context>
<context>
    <name>UsersPage</name>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Add user</source>
        <translation>添加用户</translation>
    </message>
    <message>
        <source>Give the selected user this role only</source>
        <translation>将所选用户的角色改为此角色</translation>
    </message>
    <message>
        <source>Reset password of the selected user</source>
        <translation>重置所选用户的密码</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Disable / enable</source>
        <translation>停用 / 启用</translation>
    </message>
    <message>
        <source>May</source>
        <translation>权限</translation>
    </message>
    <message>
        <source>active</source>
        <translation>在用</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>locked until {t}</source>
        <translation>锁定至 {t}</translation>
    </message>
    <message>
        <source>All areas</source>
        <translation>全部区域</translation>
    </message>
    <message>
        <source>User added.</source>
        <translation>已添加用户。</translation>
    </message>
    <message>
        <source>Roles changed.</source>
        <translation>角色已修改。</translation>
    </message>
    <message>
        <source>Password reset.</source>
        <translation>密码已重置。</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
</context>
<context>
    <name>_LifeEventDialog</name>
    <message>
        <source>Died (date of death)</source>
        <translation>死亡（死亡日期）</translation>
    </message>
    <message>
        <source>Moved out</source>
        <translation>迁出</translation>
    </message>
    <message>
        <source>Married out</source>
        <translation>嫁出</translation>
    </message>
    <message>
        <source>Other (give the reason)</source>
        <translation>其他（请填写原因）</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>减员原因：</translation>
    </message>
    <message>
        <source>Date of the event:</source>
        <translation>发生日期：</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
    <message>
        <source>Coverage ends from the month after this date; the month itself is paid as before.</source>
        <translation>自该日期的次月起停止保障；当月照常发放。</translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>Cannot open the database</source>
        <translation>无法打开数据库</translation>
    </message>
    <message>
        <source>Creating the demo database…</source>
        <translation>正在创建演示数据库…</translation>
    </message>
    <message>
        <source>Demo data could not be created</source>
        <translation>无法创建演示数据</translation>
    </message>
</context>
<context>
    <name>crash</name>
    <message>
        <source>An unexpected error occurred. The work in progress was not saved. The details are in the log file:
%1</source>
        <translation>发生了意外错误，正在进行的操作没有保存。详细信息已写入日志文件：
%1</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>复制详细信息</translation>
    </message>
    <message>
        <source>AssistCase: error</source>
        <translation>社会救助个案管理：错误</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <source>Spouse</source>
        <translation>配偶</translation>
    </message>
    <message>
        <source>Child</source>
        <translation>子女</translation>
    </message>
    <message>
        <source>Parent</source>
        <translation>父母</translation>
    </message>
    <message>
        <source>Grandchild</source>
        <translation>孙子女</translation>
    </message>
    <message>
        <source>Sibling</source>
        <translation>兄弟姐妹</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Subsistence allowance</source>
        <translation>低保</translation>
    </message>
    <message>
        <source>Extreme hardship</source>
        <translation>特困</translation>
    </message>
    <message>
        <source>Marginal household</source>
        <translation>低保边缘</translation>
    </message>
    <message>
        <source>Monitored household</source>
        <translation>三类户监测</translation>
    </message>
    <message>
        <source>Not assisted</source>
        <translation>未纳入救助</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已注销</translation>
    </message>
    <message>
        <source>Urban</source>
        <translation>城市</translation>
    </message>
    <message>
        <source>Rural</source>
        <translation>农村</translation>
    </message>
    <message>
        <source>Fully self-caring</source>
        <translation>全自理</translation>
    </message>
    <message>
        <source>Partly disabled</source>
        <translation>半失能</translation>
    </message>
    <message>
        <source>Fully disabled</source>
        <translation>全失能</translation>
    </message>
    <message>
        <source>Visual</source>
        <translation>视力</translation>
    </message>
    <message>
        <source>Hearing</source>
        <translation>听力</translation>
    </message>
    <message>
        <source>Speech</source>
        <translation>言语</translation>
    </message>
    <message>
        <source>Physical</source>
        <translation>肢体</translation>
    </message>
    <message>
        <source>Intellectual</source>
        <translation>智力</translation>
    </message>
    <message>
        <source>Mental</source>
        <translation>精神</translation>
    </message>
    <message>
        <source>Multiple</source>
        <translation>多重</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Bank card</source>
        <translation>银行卡（一卡通）</translation>
    </message>
    <message>
        <source>Passbook</source>
        <translation>存折</translation>
    </message>
    <message>
        <source>No account</source>
        <translation>无账户</translation>
    </message>
    <message>
        <source>Wages</source>
        <translation>工资性收入</translation>
    </message>
    <message>
        <source>Agriculture</source>
        <translation>农业经营收入</translation>
    </message>
    <message>
        <source>Business</source>
        <translation>经营性收入</translation>
    </message>
    <message>
        <source>Pension</source>
        <translation>养老金</translation>
    </message>
    <message>
        <source>Transfers</source>
        <translation>转移性收入</translation>
    </message>
    <message>
        <source>Property income</source>
        <translation>财产性收入</translation>
    </message>
    <message>
        <source>Deposits</source>
        <translation>存款</translation>
    </message>
    <message>
        <source>Vehicle</source>
        <translation>车辆</translation>
    </message>
    <message>
        <source>Housing</source>
        <translation>房产</translation>
    </message>
</context>
<context>
    <name>navigation</name>
    <message>
        <source>To-do</source>
        <translation>待办</translation>
    </message>
    <message>
        <source>Household registry</source>
        <translation>户籍登记</translation>
    </message>
    <message>
        <source>Standards</source>
        <translation>保障标准</translation>
    </message>
    <message>
        <source>Assistance cases</source>
        <translation>救助审批</translation>
    </message>
    <message>
        <source>Temporary aid</source>
        <translation>临时救助</translation>
    </message>
    <message>
        <source>Payment rosters</source>
        <translation>发放花名册</translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation>统计分析</translation>
    </message>
    <message>
        <source>Institution liaison</source>
        <translation>联系督查</translation>
    </message>
    <message>
        <source>Data exchange</source>
        <translation>数据交换</translation>
    </message>
    <message>
        <source>Users and roles</source>
        <translation>用户与角色</translation>
    </message>
</context>
</TS>
