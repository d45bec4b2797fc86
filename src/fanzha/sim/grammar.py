"""A slot grammar of scam scripts and their legitimate look-alikes: thousands of phrasings per type.

Each scam type has slots (who speaks, the lure, the request, the pressure, where to go next, and short
lines said mid-script) written from the public descriptions of each script in police releases (sources
in docs/sim.md, "Text grammar"); a message is a skeleton of slots joined by punctuation, so the space of
messages is the product of the slots (10^4 to 10^6 per type) before synonyms and disguises. Genuine
senders (job boards, shops, banks, brokers, couriers, government, anti-fraud centres, family chat) have
their own slots with the same vocabulary, so a word alone never decides.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fanzha.sim.grammar_more import MORE_SCAM, SUB_SCRIPTS, merge
from fanzha.sim.lookalikes import MORE_NORMAL

Slots = dict[str, tuple[str, ...]]
FREE_ORDER = 0.3  # share of grammar scam messages whose slots come in a random order
GRAMMAR_SHARE = 0.5  # share of scam messages the simulator writes from the slot grammar

# Fill-ins the grammar owns; {url}, {amount}, {brand} and {code} are left for the caller.
_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林")
_CITIES = ("长沙", "株洲", "湘潭", "衡阳", "岳阳", "常德", "郴州", "上海", "北京", "广州", "深圳", "哈尔滨")

SCAM: dict[str, Slots] = {
    "order_brushing": {
        "who": (
            "我是{brand}商家的招聘专员",
            "这里是{brand}官方任务中心",
            "您好，我是接待员小{nm}",
            "本工作室长期招募线上兼职",
            "宝妈、学生、上班族看过来",
            "我们是正规电商推广团队",
            "恭喜您被选为{brand}体验官",
            "我是任务群的派单员",
        ),
        "hook": (
            "在家用手机就能做，一单一结",
            "给主播点赞关注就有佣金，日赚{m}元不是梦",
            "新人首单立返{m}元红包",
            "每天花一两个小时，轻松月入过万",
            "帮商家刷好评提升销量，佣金高达{pct}%",
            "看视频、点赞、收藏就能领钱",
            "做任务赚零花钱，多劳多得当天到账",
            "帮店铺做销量，本金加佣金秒返",
            "招募网络点赞员，时间自由不用坐班",
            "垫付任务佣金翻倍",
            "充值任务返利{pct}%，做完即提",
            "抢单做任务，单单有返佣",
        ),
        "ask": (
            "先垫付{amount}元购买指定商品，完成后返还本金和佣金",
            "下载任务APP注册后领取任务",
            "关注后截图发给客服登记",
            "进群后听接待员安排任务",
            "完成三单联单任务后才能统一提现",
            "您的任务未完成，需要继续充值{amount}元",
            "您操作失误导致数据异常，需再转{amount}元修复",
            "按要求在平台下单，不要走官方流程",
            "提现前要先做一单充值任务",
            "把佣金截图发我就给你结算",
        ),
        "push": (
            "名额有限，先到先得",
            "今天最后一批任务",
            "不做完任务本金无法退回",
            "超时未完成将扣除信誉分",
            "不收取任何费用，放心做",
            "已经有上千人在做了",
            "做得越多返得越多",
        ),
        "go": (
            "报名请点{url}",
            "加QQ{qq}领任务",
            "加微信{wx}进群",
            "下载链接：{url}",
            "详情咨询{url}",
            "扫码进群领取首单",
            "私信我拉你进任务群",
        ),
        "line": (
            "第{k}单任务已派发，请尽快完成",
            "您已完成点赞任务，佣金{m}元已到账",
            "任务卡单了，需要补单才能解冻",
            "这是充值单，返利比例更高",
            "做完这单就可以全部提现了",
            "截图收到，佣金稍后到账",
            "平台规定必须连续完成三单",
            "你的信誉分不足，需要充值恢复",
        ),
    },
    "fake_investment": {
        "who": (
            "我是{nm}老师的助理",
            "这里是{brand}投资交流群",
            "我是资深分析师{nm}老师",
            "本群由私募基金经理带队",
            "我是证券公司的客户经理",
            "欢迎加入股票学习交流群",
            "我是某机构的内部操盘手",
        ),
        "hook": (
            "老师每天免费推荐牛股",
            "内部消息，下周必涨停",
            "跟着老师操作，月收益{pct}%以上",
            "机构专属通道，可以打新股、买原始股",
            "数字货币量化交易稳赚不赔",
            "外汇黄金跟单，保本保收益",
            "新平台上线期间，充值返{pct}%",
            "元宇宙项目原始股即将上市",
            "养老项目投资，每月固定分红",
            "大数据选股，准确率百分之九十",
            "本群学员上周收益翻倍",
            "平台有漏洞，现在进场稳赚",
        ),
        "ask": (
            "下载专属APP注册开户",
            "先充值{amount}元到平台账户才能跟单",
            "提现需要先缴纳{amount}元个人所得税",
            "您的账户被风控，需缴纳保证金解冻",
            "加大投入才能享受VIP收益",
            "把资金转入平台指定账户",
            "升级会员可以拿到更多内幕消息",
            "先小额试投，看到收益再加仓",
        ),
        "push": (
            "错过这波行情就没机会了",
            "名额只剩最后几个",
            "机会千载难逢，不要犹豫",
            "群里的学员都赚了",
            "老师亲自带单，亏损包赔",
            "收益当天可提现",
        ),
        "go": (
            "进群领取今日牛股：{url}",
            "开户链接{url}",
            "加老师微信{wx}",
            "下载地址{url}",
            "点此免费领取：{url}",
            "添加助理QQ{qq}",
        ),
        "line": (
            "今天的票已经涨停，恭喜跟上的朋友",
            "老师说明天早盘准备抄底",
            "你的账户收益已经{pct}%了，可以再加点",
            "提现通道维护中，需要先交税",
            "你的操作违规，账户被冻结",
            "这是机构席位，普通散户买不到",
        ),
    },
    "fake_shopping": {
        "who": (
            "本店专营{brand}正品",
            "我是代购小{nm}",
            "工厂直销",
            "内部员工福利渠道",
            "海外代购工作室",
        ),
        "hook": (
            "原价{M}元现在只要{m}元",
            "演唱会门票内部渠道，有票",
            "低价出售二手手机，九成新",
            "名牌包包清仓，仅剩最后几件",
            "茅台原价供应，限量",
            "宠物猫狗低价转让，包健康",
            "高考志愿填报内部资料",
            "明星签名周边限量发售",
            "进口奶粉特价批发",
            "代办证件、代考驾照包过",
        ),
        "ask": (
            "先付定金{amount}元锁单",
            "付全款后当天发货",
            "不走平台，私下转账可以再便宜",
            "您的订单被冻结，需补缴保证金",
            "扫这个码付款",
            "需要先交运费和保险费",
            "交易异常需要您再付一次激活订单",
        ),
        "push": (
            "手慢无",
            "仅限今天",
            "库存不多了",
            "过了今天就恢复原价",
            "不退不换，先到先得",
        ),
        "go": (
            "下单链接：{url}",
            "加微信{wx}详聊",
            "联系QQ{qq}",
            "点{url}下单",
        ),
        "line": (
            "亲，定金收到了，还差尾款",
            "物流被海关扣了，需要交清关费",
            "您付款时没备注，系统冻结了，需要重新付",
            "发货前要先交押金，收货后退",
        ),
    },
    "fake_customer_service": {
        "who": (
            "您好，我是{brand}客服",
            "这里是{brand}售后中心",
            "我是快递公司理赔专员",
            "我是支付宝客服",
            "您好，这里是{brand}官方平台",
            "我是抖音百万保障客服",
            "我是银联中心工作人员",
        ),
        "hook": (
            "您购买的商品存在质量问题，我们将为您退款",
            "您的快递在运输中丢失，我们会双倍理赔",
            "您误开通了百万保障服务，每月扣费{m}元",
            "您的会员即将自动续费",
            "您是我们的代理商，需要关闭代理权限",
            "您的账户被误设为商家，将收取年费",
            "您的学籍信息有误，需要注销",
            "您购买的衣服甲醛超标，需要召回",
            "您的航班已取消，可以办理改签补偿",
            "您的淘宝账户有一笔异常交易",
        ),
        "ask": (
            "请下载会议软件开启屏幕共享，我教您操作",
            "需要您提供银行卡号和验证码",
            "请在借款平台开通额度验证流水",
            "请将备用金转入指定账户，审核后退回",
            "请打开支付宝备用金，按我说的操作",
            "点击链接填写退款信息",
            "关闭服务需要您配合做资金验证",
            "请把收到的验证码告诉我",
        ),
        "push": (
            "不关闭的话会影响您的征信",
            "逾期将每月自动扣费",
            "今天是最后办理期限",
            "请不要挂断电话",
            "全程免费，放心操作",
        ),
        "go": (
            "退款链接：{url}",
            "理赔请访问{url}",
            "请添加售后微信{wx}",
            "回拨客服热线{tel}",
            "办理入口{url}",
        ),
        "line": (
            "您现在打开屏幕共享了吗",
            "验证码发过来我帮您操作",
            "流水验证失败，需要再转一次",
            "退款金额已到账，请查看余额",
            "系统显示您操作失误，需要重新验证",
        ),
    },
    "fake_loan": {
        "who": (
            "{brand}金融为您服务",
            "我是贷款中心的信贷经理",
            "您好，这里是网贷平台客服",
            "正规持牌金融机构",
            "银行内部渠道信贷专员",
        ),
        "hook": (
            "无抵押无担保，凭身份证就能贷",
            "最高可贷{M}元，当天放款",
            "黑户白户都能下款，不看征信",
            "低息贷款，日息万分之二",
            "您有一笔{M}元额度待领取",
            "学生也能借，秒批秒到",
            "网贷逾期可以做债务优化",
            "您的贷款已审批通过",
        ),
        "ask": (
            "放款前需要缴纳{amount}元工本费",
            "银行卡号填错了，资金被冻结，需要交解冻金",
            "需要刷流水证明还款能力",
            "先交一个月利息才能放款",
            "需缴纳保证金验证还款能力",
            "下载APP填写资料即可申请",
            "需要会员费才能提高通过率",
        ),
        "push": (
            "放款后保证金全额退还",
            "过期额度作废",
            "不交费的话账户将被锁定",
            "名额有限，今日有效",
        ),
        "go": (
            "申请：{url}",
            "下载地址{url}",
            "咨询微信{wx}",
            "点击领取额度{url}",
            "联系电话{tel}",
        ),
        "line": (
            "您的贷款已到账，但账户被冻结了",
            "审核没通过，需要再交一笔保证金",
            "流水不够，还差{m}元",
            "系统显示您的还款能力不足",
        ),
    },
    "fake_credit": {
        "who": (
            "我是征信中心工作人员",
            "您好，这里是银保监会",
            "这里是{brand}金融客服",
            "我是京东金条专员",
            "这里是国家助学贷款中心",
        ),
        "hook": (
            "您的个人征信存在不良记录",
            "您大学期间开通的校园贷账户未注销",
            "根据监管要求需要清理学生账户",
            "您的信用分过低，将被列入黑名单",
            "您有一笔逾期贷款将上报征信",
            "您的京东金条额度需要清零",
            "您的花呗账户利率不合规，需要关闭",
            "您的征信可以花钱修复",
        ),
        "ask": (
            "需要把借款转到指定账户清空额度",
            "请配合注销账户",
            "我们可以帮您消除不良记录",
            "请在各个借款平台把额度借出来转到安全账户",
            "需要缴纳{amount}元修复费",
            "请下载软件配合操作",
        ),
        "push": (
            "否则将影响您和子女的征信",
            "不处理将影响以后买房贷款",
            "逾期将被列为失信人员",
            "今天之内必须处理完",
            "注销完成后资金会原路退回",
        ),
        "go": (
            "注销入口：{url}",
            "处理请登录{url}",
            "联系专员{tel}",
            "加微信{wx}办理",
        ),
        "line": (
            "您现在几个平台的额度都借出来了吗",
            "转到这个账户后额度就清零了",
            "征信修复需要三个工作日",
            "这个账户是银保监会的监管账户",
        ),
    },
    "fake_acquaintance": {
        "who": (
            "我是你领导，换新号了",
            "我是{nm}总，这是我的新微信",
            "小{nm}，我是你表哥",
            "老同学，还记得我吗",
            "我是你班主任{nm}老师",
            "是我啊，我手机丢了换了号",
            "我是你舅舅",
            "我是你们校长",
        ),
        "hook": (
            "我在开会，不方便接电话",
            "我在外地出差，遇到点急事",
            "有个领导的事需要你帮忙办一下",
            "我朋友急需一笔周转资金",
            "学校要交资料费",
            "我在医院，急需交住院押金",
            "我在外面被人扣了",
        ),
        "ask": (
            "先帮我转{amount}元给这个账户",
            "明天就还你，先借我两万应急",
            "你先垫付一下，回头公司报销",
            "把钱打到这张卡上",
            "帮我给这个人转点钱，我不方便出面",
            "在群里扫码交一下费用",
        ),
        "push": (
            "这事先别告诉别人",
            "别打电话，我现在不方便",
            "我信任你才找你的",
        ),
        "go": (
            "加我这个新微信{wx}",
            "卡号稍后发你",
        ),
        "line": (
            "钱转了吗？领导那边急用",
            "收款账户是我朋友的",
        ),
    },
    "fake_police": {
        "who": (
            "我是{city}市公安局刑侦支队的民警",
            "这里是{city}市人民检察院",
            "我是{city}公安局经侦大队{nm}警官",
            "这里是最高人民法院",
            "我是卫健委工作人员，转接警方",
            "这里是国际刑警组织",
            "我是{city}海关缉私局",
        ),
        "hook": (
            "你的身份证被冒用，涉嫌一起洗钱案",
            "你名下的银行卡涉嫌非法交易",
            "你涉嫌一起跨境电信诈骗案",
            "你的医保卡在外地被违规使用",
            "你有一张法院传票未处理",
            "你寄出的包裹里有违禁品",
            "你已被列为网上通缉对象",
            "你名下的手机号涉嫌发送诈骗短信",
        ),
        "ask": (
            "把资金转入安全账户接受清查",
            "下载警方办案软件配合调查",
            "交取保候审金{amount}元免于羁押",
            "需要核查你的所有资金",
            "登录网站查看你的通缉令",
            "打开屏幕共享配合办案",
            "把钱转到国家监管账户，审查完退还",
        ),
        "push": (
            "此案属于机密，不得告诉任何人",
            "否则将依法对你实施逮捕",
            "你必须配合调查，否则后果自负",
            "不要挂电话，找个没人的地方",
            "二十四小时内不处理将冻结你全部资产",
        ),
        "go": (
            "案件详情请登录{url}",
            "查看通缉令：{url}",
            "下载办案APP：{url}",
            "联系办案民警{tel}",
        ),
        "line": (
            "你现在一个人吗，周围不能有人",
            "钱转进去后我们会出具清白证明",
            "这是保密协议，不能泄露",
            "配合得好可以从轻处理",
        ),
    },
    "romance": {
        "who": (
            "你好，我在交友软件上看到你",
            "我是在{city}做生意的单身男士",
            "我是军医，在海外维和",
            "我在迪拜工作，很孤单",
        ),
        "hook": (
            "觉得我们很投缘，想和你认真交往",
            "想和你一起规划我们的未来",
            "我舅舅在博彩平台做数据，发现了漏洞",
            "我们一起攒钱买房结婚吧",
            "我每天都在这个平台投资，收益很稳",
            "我给你寄了一份礼物",
            "我很快就回国见你",
        ),
        "ask": (
            "你也注册一个账号，我带你投一点",
            "包裹被海关扣了，需要交{amount}元关税",
            "帮我充值一下，回头还你",
            "先投到这个平台，赚了一起用",
            "我的账户被冻结了，借我点钱解冻",
            "我生病了，能帮我付医药费吗",
        ),
        "push": (
            "这是我们的小秘密，别告诉别人",
            "我只信任你",
            "错过这次机会太可惜了",
            "我们的未来就靠这次了",
        ),
        "go": (
            "平台地址{url}",
            "加我微信{wx}",
            "下载这个APP{url}",
        ),
        "line": (
            "今天想你了，平台的收益到账了吗",
            "注册好了吗，我教你下注",
            "提现要先交点税，很快就到",
            "你再充一点，我们就能一起提现了",
        ),
    },
    "game_trading": {
        "who": (
            "出售{brand}满级账号",
            "高价回收{brand}游戏账号",
            "代练代充打折",
            "{brand}工作室",
            "我是游戏交易平台客服",
        ),
        "hook": (
            "稀有皮肤低价转让",
            "限定装备全服唯一",
            "账号带满级英雄，价格好商量",
            "免费领取点券和皮肤",
            "充值六折，秒到账",
        ),
        "ask": (
            "先付款到平台再交号",
            "你的账号被冻结，需要交解冻费",
            "加微信私下交易更便宜",
            "提现失败，要先交{amount}元保证金",
            "需要缴纳押金激活交易",
            "扫码付款后发账号密码",
        ),
        "push": (
            "不交的话钱会被平台扣除",
            "今天之内有效",
            "别走官方，手续费太高",
        ),
        "go": (
            "交易网站{url}",
            "联系QQ{qq}",
            "加微信{wx}",
            "领取地址{url}",
        ),
        "line": (
            "你的银行卡号填错了，资金冻结",
            "交完保证金马上解冻",
            "账号已发你邮箱，先把钱转了",
        ),
    },
}

# How a message is built from slots: a few long forms, many short ones (chats are short).
SKELETONS: tuple[tuple[str, ...], ...] = (
    ("who", "hook", "ask", "go"),
    ("who", "hook", "ask", "push"),
    ("hook", "ask", "push", "go"),
    ("who", "hook", "go"),
    ("hook", "ask", "go"),
    ("hook", "push", "go"),
    ("who", "ask", "push"),
    ("hook", "go"),
    ("hook", "ask"),
    ("who", "hook"),
    ("ask", "push"),
    ("line",),
    ("line", "push"),
    ("line", "ask"),
    ("who", "line"),
)
_JOINERS = ("，", "，", "。", "！", " ", "；", "~", "，现在", "，只要")
_ENDINGS = ("", "", "。", "！", "!!", "~", "？")

# Genuine senders. Each kind is a set of slots too, rendered with the same skeleton machinery.
NORMAL: dict[str, Slots] = {
    "job": {
        "who": (
            "【58同城】{shop}",
            "【BOSS直聘】",
            "【智联招聘】",
            "【前程无忧】",
            "【{shop}】",
            "【猎聘】",
            "{city}{shop}人事部",
        ),
        "hook": (
            "招聘收银员、理货员，月薪{k}千元起",
            "诚聘周末兼职促销员，时薪{pct}元",
            "招聘暑期兼职店员，日结工资{m}元",
            "招聘外卖骑手，多劳多得，五险一金",
            "诚聘客服专员，底薪加提成，双休",
            "招聘仓库分拣员，包吃住",
            "您投递的岗位有新进展",
            "HR邀请您参加面试",
            "新职位推荐：行政助理",
        ),
        "ask": (
            "请于明天上午10点到{city}门店面试",
            "请携带身份证和简历到现场面试",
            "可在APP内查看职位详情",
            "面试地址已发送到您的消息中心",
            "欢迎投递简历",
        ),
        "push": (
            "不收取任何费用",
            "无需押金，签订正式劳动合同",
            "如遇收费请立即举报",
            "工资按月发放到银行卡",
        ),
        "go": ("详情请在APP内查看", "咨询电话{tel}", "退订回T"),
    },
    "marketing": {
        "who": (
            "【{shop}】",
            "【中国移动】",
            "【中国联通】",
            "【中国电信】",
            "【淘宝】",
            "【京东】",
            "【拼多多】",
            "【美团】",
            "【携程】",
        ),
        "hook": (
            "会员日全场{k}折，满{m}减{pct}",
            "您有一张{pct}元无门槛优惠券即将过期",
            "新店开业，进店扫码领红包",
            "您关注的商品降价了",
            "双十一预售开启，定金翻倍",
            "您的积分即将清零，可兑换话费",
            "本月流量已使用80%，可办理流量包",
            "充话费送视频会员",
            "邀请好友下单，双方各得{pct}元红包",
            "年货节爆款直降，限时秒杀",
            "尊敬的会员，生日当月享双倍积分",
        ),
        "ask": (
            "快来使用吧",
            "打开APP领取",
            "回复KTLL办理",
            "戳链接查看 {url}",
            "到店出示会员码即可",
        ),
        "push": ("仅限本周末", "数量有限", "活动最终解释权归本店所有", "限时三天"),
        "go": ("退订回T", "回复TD退订", "拒收请回复R", "详询{tel}"),
    },
    "bank": {
        "who": (
            "【工商银行】",
            "【建设银行】",
            "【招商银行】",
            "【中国银行】",
            "【农业银行】",
            "【长沙银行】",
            "【邮储银行】",
            "【交通银行】",
        ),
        "hook": (
            "您尾号{t}的储蓄卡消费支出{m}元",
            "您尾号{t}的账户收到转账{M}元",
            "您的信用卡本期账单{m}元，还款日为本月{d}日",
            "您的个人贷款本期应还{m}元",
            "您的信用卡额度已提升至{M}元",
            "您申请的闪电贷已放款至尾号{t}的账户",
            "尊敬的客户，您可申请最高{M}元的消费贷款，年化利率低至3.6%",
            "您尾号{t}的账户已成功办理定期存款",
            "您购买的理财产品已到期，本息已返还",
            "验证码{c}，您正在进行转账，切勿告知他人",
        ),
        "ask": (
            "可在手机银行APP查看",
            "请按时还款以免影响征信",
            "如非本人操作请致电官方客服",
            "详情请登录手机银行或到网点咨询",
            "本行工作人员不会向您索要验证码",
        ),
        "push": ("感谢您的支持", "本行不会以任何理由要求您转账到所谓安全账户", "谨防诈骗"),
        "go": ("客服热线955{k}{k}", "退订回TD", "详询网点"),
    },
    "broker": {
        "who": (
            "【华泰证券】",
            "【中信证券】",
            "【国泰君安】",
            "【东方财富】",
            "【天天基金】",
            "【支付宝理财】",
        ),
        "hook": (
            "您持有的基金今日净值上涨{k}%",
            "新股申购提醒：今日可申购",
            "您的账户本月资产报告已生成",
            "市场有风险，投资需谨慎",
            "您的风险测评即将过期",
            "您定投的基金已扣款成功",
        ),
        "ask": ("请登录官方APP查看", "请在交易时间内操作", "请及时更新风险测评"),
        "push": ("本公司不会通过微信群荐股", "谨防冒充本公司的非法荐股", "投资有风险"),
        "go": ("客服热线95{k}{k}{k}", "退订回T"),
    },
    "delivery": {
        "who": (
            "【菜鸟驿站】",
            "【丰巢】",
            "【中通快递】",
            "【顺丰速运】",
            "【韵达快递】",
            "【京东物流】",
            "【邮政EMS】",
        ),
        "hook": (
            "您的包裹已到{city}驿站，取件码{c}",
            "您的快件正在派送中，请保持电话畅通",
            "您的快递已存入小区丰巢柜",
            "您的包裹因地址不详暂存网点",
            "您的快件已签收",
            "您的订单已发货，预计明天送达",
        ),
        "ask": ("请及时领取", "如有疑问请在官方APP内联系客服", "请联系派件员确认地址", "点击查看物流 {url}"),
        "push": ("快递丢失理赔只走官方渠道", "勿相信陌生来电理赔", "超时将收取保管费"),
        "go": ("退订回T", "详询{tel}"),
    },
    "service": {
        "who": (
            "【淘宝】",
            "【京东客服】",
            "【美团】",
            "【携程旅行】",
            "【支付宝】",
            "【12306】",
            "【中国国航】",
        ),
        "hook": (
            "您的退款已原路退回，请注意查收",
            "您的售后申请已通过",
            "您预订的航班时刻有调整",
            "您的订单已取消，款项将在3个工作日内退回",
            "您的自动续费服务将于明日扣款",
            "您的会员已到期",
        ),
        "ask": (
            "可在APP订单详情中查看",
            "如需改签请在官方APP办理",
            "可在设置中关闭自动续费",
            "如有疑问请拨打官方客服",
        ),
        "push": ("官方客服不会要求您转账或提供验证码", "退款无需您操作任何借款平台", "请勿轻信陌生来电"),
        "go": ("退订回T", "官方客服电话{tel}"),
    },
    "gov": {
        "who": (
            "【{city}人社局】",
            "【{city}医保局】",
            "【{city}公积金中心】",
            "【国家税务总局】",
            "【{city}交警】",
            "【{city}市政府】",
            "【{city}疾控中心】",
            "【{city}教育局】",
        ),
        "hook": (
            "您的社保卡已制作完成，可到网点领取",
            "您的公积金已到账",
            "个人所得税年度汇算即将截止",
            "您的车辆有一条违章记录",
            "您本年度的医保缴费已成功",
            "明日有强降雨，请注意出行安全",
            "义务教育阶段招生报名已开始",
            "您的电子驾驶证即将到期",
        ),
        "ask": ("请登录官方APP办理", "请到政务服务大厅办理", "请通过交管12123APP处理", "请关注官方通知"),
        "push": ("本单位不会通过短信链接收取费用", "谨防冒充政府部门的诈骗"),
        "go": ("咨询电话12345", "详见官网"),
    },
    "warning": {
        "who": (
            "【国家反诈中心】",
            "【{city}市反诈中心】",
            "【96110】",
            "【12381】",
            "【{city}公安】",
            "【湖南反诈】",
            "【{shop}】温馨提示：",
            "【工商银行】风险提示：",
            "【建设银行】反诈提醒：",
        ),
        "hook": (
            "刷单返利是诈骗，凡是要求先垫付的都是骗局",
            "网上投资理财要求下载陌生APP的都是诈骗",
            "冒充客服说要退款理赔，要求共享屏幕的都是诈骗",
            "贷款前先收手续费、保证金的都是诈骗",
            "自称征信中心要求注销账户、消除记录的都是诈骗",
            "领导熟人加微信借钱，一定要电话核实",
            "公检法机关不会通过电话办案，没有安全账户",
            "网恋对象带你投资赚钱的，都是杀猪盘",
            "游戏装备交易请走官方平台，私下交易易被骗",
            "您刚接听的号码疑似诈骗电话",
            "您可能正在遭遇冒充公检法诈骗",
            "警方提示：陌生人要求转账、索要验证码的都是诈骗",
        ),
        "ask": (
            "请勿转账汇款",
            "请立即停止操作",
            "如有疑问请拨打96110或110",
            "不要点击陌生链接，不要下载陌生APP",
            "请下载国家反诈中心APP",
            "不要透露验证码",
        ),
        "push": (
            "牢记三不一多：未知链接不点击，陌生来电不轻信，个人信息不透露，转账汇款多核实",
            "反诈宣传，人人有责",
        ),
        "go": ("如已被骗请立即报警", "举报电话12381"),
    },
    "family": {
        "who": ("妈", "爸", "老婆", "儿子", "姐", "哥", "闺女", "老公"),
        "hook": (
            "生活费收到了吗",
            "我给你转了{m}块钱买菜",
            "这个月房租我先垫上了",
            "孩子学费交了没",
            "医院押金我交了{M}",
            "你那个理财到期了没",
            "晚上回来吃饭吗",
            "周末回老家看看",
            "给你买的快递到了",
        ),
        "ask": (
            "帮我转{m}给房东",
            "记得还信用卡",
            "钱不够跟我说",
            "把二维码发我，我扫给你",
            "微信转你了，收一下",
        ),
        "push": ("不急", "路上注意安全", "早点休息", "明天再说"),
        "go": ("到了打电话", "晚点聊"),
    },
    "friend": {
        "who": ("哥们", "老同学", "姐妹", "{nm}哥", "兄弟"),
        "hook": (
            "上次借你的{m}块我转你了",
            "最近股票跌惨了",
            "周末一起打游戏吗",
            "你那个皮肤哪里买的",
            "我在闲鱼上卖了个二手手机",
            "聚餐AA，每人{m}",
            "那家店打折，要不要一起去",
            "最近在找兼职，有推荐吗",
        ),
        "ask": ("群收款点一下", "微信转你了", "有空回我", "一起去吧"),
        "push": ("哈哈哈", "好的", "没问题", "改天约"),
        "go": ("晚上聊", "到时候叫你"),
    },
}
NORMAL_WEIGHT = {
    "job": 2,
    "marketing": 3,
    "bank": 3,
    "broker": 1,
    "delivery": 2,
    "service": 2,
    "gov": 1,
    "warning": 2,
    "family": 3,
    "friend": 3,
    "work": 2,
    "reply": 1,
}
merge(SCAM, MORE_SCAM)
merge(SCAM, SUB_SCRIPTS)
NORMAL["work"] = {}
NORMAL["reply"] = {}
merge(NORMAL, MORE_NORMAL)
_NORMAL_SKELETONS: tuple[tuple[str, ...], ...] = (
    ("who", "hook", "ask"),
    ("who", "hook", "ask", "push"),
    ("who", "hook", "push", "go"),
    ("who", "hook"),
    ("hook", "ask"),
    ("who", "hook", "go"),
    ("hook",),
)
_GREETINGS = (
    "在吗？",
    "在吗",
    "你好呀",
    "hi~",
    "亲，",
    "您好！",
    "嗯嗯",
    "我也是",
    "好的",
    "收到",
    "哈喽",
    "在不在",
)
_WX = ("vx", "wx", "kf", "jd", "a", "li", "zz")
_SHOPS = ("步步高", "友阿百货", "沃尔玛", "瑞幸咖啡", "茶颜悦色", "文和友", "华润万家", "盒马鲜生")


def _pick(rng: np.random.Generator, items: tuple[str, ...]) -> str:
    return items[int(rng.integers(len(items)))]


def _own_fields(text: str, rng: np.random.Generator) -> str:
    """Fill the grammar's own fields; the caller's ({url}, {amount}, {brand}, {code}) stay."""
    fills: dict[str, Callable[[], str]] = {
        "{nm}": lambda: _pick(rng, _SURNAMES),
        "{city}": lambda: _pick(rng, _CITIES),
        "{shop}": lambda: _pick(rng, _SHOPS),
        "{m}": lambda: str(int(rng.choice((5, 8, 10, 20, 30, 50, 88, 100, 200, 300, 500, 800)))),
        "{M}": lambda: str(int(rng.choice((2000, 5000, 10000, 30000, 50000, 100000, 200000)))),
        "{pct}": lambda: str(int(rng.integers(3, 60))),
        "{k}": lambda: str(int(rng.integers(1, 10))),
        "{d}": lambda: str(int(rng.integers(1, 29))),
        "{t}": lambda: f"{int(rng.integers(0, 10_000)):04d}",
        "{c}": lambda: f"{int(rng.integers(0, 1_000_000)):06d}",
        "{qq}": lambda: str(int(rng.integers(10**7, 10**10))),
        "{wx}": lambda: _pick(rng, _WX) + str(int(rng.integers(100, 99999))),
        "{tel}": lambda: "1" + str(int(rng.choice((3, 5, 7, 8, 9)))) + f"{int(rng.integers(0, 10**9)):09d}",
    }
    for key, make in fills.items():
        while key in text:
            text = text.replace(key, make(), 1)
    return text


def _assemble(slots: Slots, skeleton: tuple[str, ...], rng: np.random.Generator) -> str:
    parts = [_pick(rng, slots[s]) for s in skeleton if s in slots]
    out = parts[0]
    for p in parts[1:]:
        out += _pick(rng, _JOINERS) + p
    return out + _pick(rng, _ENDINGS)


def scam_template(code: str, rng: np.random.Generator, link: bool | None = None) -> str:
    """A scam message template of type `code` (its own fields filled; {url} etc. left for the caller)."""
    if rng.random() < FREE_ORDER:  # any two to four slots in any order: a script is not a form
        names = ("who", "hook", "ask", "push", "go", "line")
        k = int(rng.integers(2, 5))
        skeleton = tuple(names[int(i)] for i in rng.permutation(len(names))[:k])
    else:
        skeleton = SKELETONS[int(rng.integers(len(SKELETONS)))]
    text = _assemble(SCAM[code], skeleton, rng)
    if link and "{url}" not in text:
        text += _pick(rng, ("：{url}", " {url}", "，链接{url}"))
    if link is False:
        text = text.replace("{url}", "")
    return _own_fields(text, rng)


def normal_text(rng: np.random.Generator, kind: str | None = None) -> str:
    """One genuine message (its fields filled except {url})."""
    if kind is None:
        kinds = tuple(NORMAL_WEIGHT)
        w = np.array([NORMAL_WEIGHT[k] for k in kinds], dtype=float)
        kind = kinds[int(rng.choice(len(kinds), p=w / w.sum()))]
    slots = NORMAL[kind]
    skeleton = _NORMAL_SKELETONS[int(rng.integers(len(_NORMAL_SKELETONS)))]
    if kind in ("family", "friend", "work", "reply"):
        skeleton = skeleton[1:] if rng.random() < 0.5 and len(skeleton) > 1 else skeleton
        if rng.random() < 0.15:  # a bare greeting or reply: people open chats the way scammers do
            return _pick(rng, _GREETINGS)
        if rng.random() < 0.25:
            return _pick(rng, _GREETINGS) + _own_fields(_assemble(slots, skeleton, rng), rng)
    return _own_fields(_assemble(slots, skeleton, rng), rng)


_SCAM_HOSTS = ("http://", "https://", "www.", "")
_TLDS = (".cc", ".top", ".vip", ".xyz", ".com", ".cn", ".net", ".icu")


def _scam_url(rng: np.random.Generator) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    name = "".join(letters[int(i)] for i in rng.integers(0, len(letters), int(rng.integers(4, 10))))
    path = "/" + "".join(letters[int(i)] for i in rng.integers(0, 26, 4)) if rng.random() < 0.5 else ""
    return _pick(rng, _SCAM_HOSTS) + name + _pick(rng, _TLDS) + path


def corpus(seed: int, per_type: int, normal: int) -> tuple[list[str], list[str]]:
    """Labelled messages straight from the grammar (for training text models): `per_type` of each scam
    type, rephrased and disguised as the simulator's scam senders do, and `normal` genuine messages."""
    from fanzha.sim.phrasing import disguise, vary  # here: phrasing is the grammar's consumer too

    rng = np.random.default_rng([seed, 19])
    texts: list[str] = []
    labels: list[str] = []
    brands = ("淘宝", "京东", "拼多多", "抖音", "快手", "支付宝", "王者荣耀", "和平精英", "原神", "美团")
    for code in SCAM:
        for _ in range(per_type):
            tpl = vary(scam_template(code, rng, link=None if rng.random() < 0.7 else False), rng, evade=True)
            fill = {
                "url": _scam_url(rng),
                "amount": str(int(rng.choice((300, 500, 1000, 2000, 3000, 5000, 9800, 20000, 50000)))),
                "brand": _pick(rng, brands),
                "code": str(int(rng.integers(10**9, 10**10))),
            }
            texts.append(disguise(tpl.format(**fill), rng, evade=True))
            labels.append(code)
    for _ in range(normal):
        chat = rng.random() < 0.3
        tpl = vary(normal_text(rng), rng, evade=False, chat=chat)
        url = _pick(rng, ("https://m.tb.cn/", "https://3.cn/", "https://u.jd.com/", "https://dpurl.cn/"))
        texts.append(disguise(tpl.format(url=url + str(int(rng.integers(10**5, 10**6)))), rng, evade=False))
        labels.append("normal")
    return texts, labels
