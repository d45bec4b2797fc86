"""Message vocabulary of the evaluation world: scam scripts, ordinary talk and look-alikes.

Written for evalworld from public police warnings and case reports (see README.md, "Sources"),
not copied from any other generator. Slots in braces are filled by `fill`; `disguise` then adds
the evasions scam senders use (spaced digits, homoglyphs, emoji, deliberate typos).
"""

from __future__ import annotations

import re

import numpy as np

# ---------------------------------------------------------------------------------------------
# Scam scripts: per scam type, a list of stages; each stage is a list of phrasings (chat unless
# the stage is marked as the opening SMS / call).  Stage 1 is the hook.
# ---------------------------------------------------------------------------------------------

SCRIPTS: dict[str, list[list[str]]] = {
    "order_brushing": [
        [
            "宝妈学生党在家就能做的小活,手机点点关注,一单结一单,日入两三百,感兴趣扣1",
            "【招募】抖音点赞员,不押金不收费,做一单佣金{small}元,需要的加{handle}",
            "亲,上次面试您没来,现在线上岗位还缺{n}人,每天两小时,当日结算,回T退订",
            "您好,我是XX电商运营部小周,现招兼职帮店铺提升销量,佣金5%-15%,有兴趣吗",
            "不用出门不用囤货,给主播点个关注截个图就有{small}元红包,名额有限速来",
        ],
        [
            "第一单很简单,关注这个直播间截图发我,马上给你发佣金",
            "截图收到了哈,{small}块已经转你支付宝了,查收一下,后面还有更高佣金的",
            "新人首单体验任务完成,红包已发,明天可以继续找我派单",
            "看到了吧,我们是正规平台,说到做到,做完一组就能提现",
        ],
        [
            "现在带你进入任务群,先下载我们的工作台 {url} 注册时邀请码填{code}",
            "平台升级了,旧链接不能用,去这个地址下载新版 {url} 记得允许安装未知来源",
            "进群后听接待员安排,做垫付任务返的多,本金加佣金一起退",
        ],
        [
            "这组是三连单,垫付{amt}元,完成后返本金再加20%佣金",
            "您已进入高级任务,需要先充值{amt}才能接单,越充越多返利越多",
            "派单老师给你分了个大单,垫{amt}元,半小时内返还本息",
        ],
        [
            "系统显示你操作超时,任务被卡单了,要再补一单{amt}才能解冻",
            "您的账户因连单未完成已被冻结,按规定需缴纳{amt}元激活,否则本金无法提现",
            "财务说你填错了卡号,资金被锁定,补{amt}元验证流水后自动退回",
            "最后一单了亲,完成就全部提出来,别半途而废之前的都白做了",
        ],
    ],
    "fake_investment": [
        [
            "股友您好,本群由{firm}首席分析师免费带盘,今日内部票已出,进群领取",
            "恭喜您获得量化交易内测资格,月收益稳定18%以上,详询{handle}",
            "【牛股预告】明日涨停概率90%,添加助理微信获取,仅限前50名",
            "老师今天带大家做了一波,群里都赚了,你还在观望吗?带你一起上车",
            "你好,看你在论坛问基金的事,我们有个学习群,老师每天免费讲课,要进吗",
        ],
        [
            "老师说大盘要变,跟着机构走才能赚钱,我们内部通道可以打新",
            "这是昨天学员的收益截图,三天翻了一倍,你先小资金试试水",
            "我们平台是香港持牌的,资金有第三方托管,绝对安全",
        ],
        [
            "下载机构专用交易端 {url} ,普通券商买不到这种额度",
            "先注册{app},入金后联系客服领新人礼包",
            "机构席位名额今晚截止,入金{amt}就能锁定,过时不候",
        ],
        [
            "打新中签了!恭喜,需要在24小时内认缴{amt}元,不然违约扣分",
            "您的账户盈利已达提现标准,按规定需先缴纳{amt}个人所得税才能出金",
            "资金池审计中,补足保证金{amt}元才能解除风控",
            "老师给你加了杠杆仓位,补仓{amt}就能回本翻倍",
        ],
    ],
    "fake_shopping": [
        [
            "全新iPhone原封国行,厂家清库存,{small}元包邮,不要错过",
            "演唱会内场票有两张,原价出,需要的私我",
            "茅台飞天一箱厂家直发,价格美丽,老板要吗",
            "低价代购大牌包包,专柜验货,支持视频看货",
            "出二手显卡,成色九新,走闲鱼太麻烦,直接微信转给你便宜",
        ],
        [
            "平台要抽成,我们私下交易吧,你加我{handle}",
            "今天付款今天发顺丰,先付定金{amt}就给你留着",
            "这是发货单号截图,你放心,我做了五年了",
        ],
        [
            "你这单被海关扣了,要交{amt}元关税才能放行",
            "快递显示地址异常,补{amt}元保价费才能重新派送",
            "系统说你付款没备注,被风控了,再付一次{amt}退你双倍",
        ],
    ],
    "fake_customer_service": [
        [
            "您好,这里是{shop}售后,您前几天买的{goods}检测出质量问题,我们给您办理三倍赔付",
            "您好我是快递理赔专员,工号{code},您的包裹在运输中丢件了,现在双倍赔偿",
            "您好,您在平台误开通了会员服务,每月扣费{small}元,需要帮您取消吗",
            "亲,您的订单因系统故障被冻结,需要您配合处理退款事宜",
        ],
        [
            "为了方便操作,请下载{app}加入会议,开一下屏幕共享我来指导您",
            "理赔需要走保险公司通道,请添加理赔客服QQ {qq}",
            "请打开支付宝-我的-备用金,先领取一下,这是系统退款的验证步骤",
            "您这边需要验证一下银行卡的流水,保证您名下卡正常才能退款",
        ],
        [
            "验证码已经发到您手机上,请报给我核对一下",
            "现在转{amt}元到我们的清算账户进行验证,系统核对后会原路返还",
            "因为您的信用分不够,需要在借呗借{amt}元刷一下流水,马上退回",
            "刚刚操作失败了,资金卡在中间账户,再转{amt}才能一起退",
        ],
    ],
    "fake_loan": [
        [
            "【惠民贷】无抵押无担保,凭身份证最高可借20万,年化3.6%,点 {url} 申请",
            "您的备用金额度{n}万已批复,最快5分钟到账,回复1领取",
            "征信花、黑户也能下款,内部渠道,详情咨询{handle}",
            "尊敬的用户,您有一笔低息贷款待领取,逾期作废 {url}",
        ],
        [
            "安装我们的APP {url} 提交资料,审核员马上给你放款",
            "资料审核通过了,额度{n}万,请注意查收合同",
        ],
        [
            "您的银行卡号填错了,资金被冻结,需转{amt}元解冻金证明还款能力",
            "放款前需要验证流水,请先转{amt}到指定账户,验证后一起放给你",
            "您的信用等级不足,需要缴纳{amt}元会员费提升额度",
            "最后一步了,交{amt}元保险金,交完马上到账",
        ],
    ],
    "fake_credit": [
        [
            "您好,我是{firm}金融客服,系统显示您大学期间开通过学生账户,需要注销,否则影响征信",
            "银保监会要求清理校园贷,您名下账户未注销,今天是最后期限",
            "您的京东白条利率不合规,需要关闭,不然会上报人行征信中心",
            "您有一笔逾期记录即将上传征信,现在可以帮您消除",
        ],
        [
            "请添加我们的专员QQ {qq},按照指导一步步操作就行",
            "打开{app}开会议,共享屏幕,我看着你操作比较快",
            "您需要先把各平台的额度都提出来,清零之后才能注销",
        ],
        [
            "把提出来的{amt}元转到冲正账户,系统核验后自动退回",
            "还有一个平台没有清空,需要再转{amt}",
            "人行那边需要{amt}元的资金证明,转到监管账户24小时内原路返还",
        ],
    ],
    "fake_acquaintance": [
        [
            "我是{boss},这是我新微信,加一下",
            "小{surname},我换号了,以后用这个联系我,存一下",
            "在吗?我是你{relative},手机丢了用朋友的号",
            "明天上午九点来我办公室一趟,我是{boss}",
        ],
        [
            "我现在在开会不方便接电话,有个事需要你帮忙",
            "有个领导的亲戚要付一笔款,我不方便出面,你先帮我垫一下",
            "我这边跟客户谈合作,需要先付定金,公司账走不开",
        ],
        [
            "你先转{amt}到这个账户,户名{payee},我下午就还你",
            "急,帮忙转{amt}过去,转完截图给我",
            "这笔钱千万别跟别人说,处理完我给你补上,再转{amt}",
        ],
    ],
    "fake_police": [
        [
            "这里是{city}公安局刑侦支队,您的身份证涉嫌一起洗钱案,请配合调查",
            "您好,您有一个快递被海关查出违禁品,现在转接警方处理",
            "我是{city}市检察院的,你名下一张银行卡涉嫌非法交易,已被立案",
            "这里是医保中心,您的医保卡在外地违规套现,需要转公安核实",
        ],
        [
            "本案属于国家机密,不得告诉任何人包括家人,否则以妨碍侦查论处",
            "你登录这个网址查一下自己的通缉令 {url}",
            "请到一个没人的房间,我们需要对你做视频笔录",
        ],
        [
            "为证明你的清白,需要把资金转入国家安全账户进行审查,审查后退回",
            "现在对你的资产进行清查,请把{amt}元转到监管账户",
            "你还有一张卡没有核查,马上把{amt}转过来,否则冻结你名下所有资产",
        ],
    ],
    "romance": [
        [
            "你好呀,看到你的资料感觉很有缘分,可以认识一下吗",
            "Hi,我刚从新加坡回来,在{city}做跨境贸易,想交个真心朋友",
            "你笑起来一定很好看,能和你做个朋友吗",
            "打扰了,你是不是以前在{city}读书的?好像见过你",
        ],
        [
            "今天忙完了,一天没和你聊天好想你",
            "早安宝贝,记得吃早餐,我给你点了一杯咖啡",
            "等我这边项目结束就去{city}看你,我们一起规划未来",
            "你是我这些年遇到最懂我的人",
        ],
        [
            "我舅舅在博彩公司做技术,知道平台漏洞,我这个月赚了几十万",
            "我带你玩一个理财,稳赚的,就当为我们以后攒钱 {url}",
            "你先注册{app},小投一点试试,我在后台帮你看着",
        ],
        [
            "宝贝现在行情好,再投{amt}就能翻倍,相信我",
            "平台说你的账户异常,需要交{amt}的保证金才能提现",
            "我已经帮你垫了一部分,你再补{amt}就够了",
        ],
    ],
    "game_trading": [
        [
            "收号!你那个{game}号多少钱出?价格好说",
            "低价出{game}皮肤,全服最便宜,要的私聊",
            "{game}代充五折,官方渠道,秒到",
            "兄弟你{game}的装备卖吗,我出高价",
        ],
        [
            "我们去{platform_site}交易有保障,你先去注册一下",
            "这个平台是担保交易的,你把号挂上去我就拍",
        ],
        [
            "客服说你账户没开通提现功能,需要交{amt}保证金",
            "你提现的银行卡号填错了,资金被冻结,需要{amt}解冻",
            "平台规定首次交易要缴纳{amt}元验证金,完成后退还",
        ],
    ],
}

# What the scam sender says on a first call (recorded only as a call; kept for symmetry of
# stage numbering: stage 1 of a call-first case is the call itself).
CALL_FIRST = {"fake_customer_service", "fake_credit", "fake_police", "fake_loan"}
SMS_FIRST = {"order_brushing", "fake_loan", "fake_investment", "fake_acquaintance"}

VICTIM_REPLIES: list[str] = [
    "行,好嘞",
    "嗯嗯知道了",
    "怎么操作?",
    "真的假的",
    "我转了,你看一下",
    "钱已经打过去了",
    "为什么还要交钱?",
    "我没那么多钱啊",
    "我再想想办法",
    "能先退一部分吗",
    "我刚问了朋友,他说可能是骗子",
    "你们是正规的吗",
    "已下载,然后呢",
    "截图发你了",
    "我借了网贷,马上转",
    "验证码是多少位的",
    "那我什么时候能提现",
    "好吧,相信你",
    "收到红包了谢谢",
    "我不做了,把钱退给我",
]

# ---------------------------------------------------------------------------------------------
# Ordinary talk and legitimate look-alikes.
# ---------------------------------------------------------------------------------------------

FAMILY: list[str] = [
    "妈,这个月的电费我交了,你别再交重复了",
    "晚上回来吃饭吗?炖了排骨",
    "爸的降压药快吃完了,我周末带过去",
    "给你转了{small}块,买点水果",
    "宝宝今天发烧了,幼儿园请了假",
    "下班顺路买瓶酱油",
    "奶奶说想你了,有空视频一下",
    "燃气费我用支付宝交好了",
    "房租我转给房东了,你那份微信给我就行",
    "明天降温,多穿点",
    "孩子的学费收到了吗",
    "家里的网费到期了,续一年吧",
    "过年回不回来,早点买票",
    "老家的腊肉寄到了,记得去驿站拿",
]
WORK: list[str] = [
    "下午三点的会改到会议室B",
    "报表我放共享盘了,你看一下",
    "明天早班,六点交接",
    "客户那边回复了,合同下周签",
    "今天工资条发邮箱了,注意查收",
    "这周六加班,有调休",
    "出差的发票记得贴好交财务",
    "新来的同事你带一下",
    "今天单量大,大家辛苦了",
    "夜班的同事注意,三号线停机检修",
    "周报今天下班前交",
]
FRIEND: list[str] = [
    "周末打球去不去",
    "那家湘菜馆排队太久了,换一家",
    "哈哈哈哈这也太搞笑了吧",
    "上次借你的书还我一下",
    "晚上开黑吗",
    "生日快乐!红包收好",
    "刚到长沙,出来喝茶",
    "电影票我买好了,七点半",
    "你那个兼职靠谱吗,别被骗了",
    "最近在看基金,亏麻了",
]

# Legitimate messages that look like scams on the surface.
LOOKALIKE_SMS: dict[str, list[str]] = {
    "bank_notice": [
        "【{bank}】您尾号{tail}的账户{mmdd}{hhmm}转出人民币{amt}元,余额{bal}元。",
        "【{bank}】您尾号{tail}的卡于{mmdd}{hhmm}工资收入{amt}元。",
        "【{bank}】温馨提示:本行不会以任何理由要求您转账至所谓安全账户,谨防诈骗。",
        "【{bank}】您的信用卡本期账单{amt}元,到期还款日{mmdd}。",
        "【{bank}】您申请的个人消费贷款已放款{amt}元,请登录手机银行查看。",
    ],
    "delivery": [
        "【菜鸟驿站】您的包裹已到{station},凭取件码{code}领取。",
        "【顺丰】运单{waybill}已由本人签收,售后请认准官方热线95338。",
        "【京东物流】您的订单正在派送中,快递员{courier}电话{phone_short}。",
        "【中通快递】您的快件因地址不详暂存网点,请在APP内修改地址,勿轻信来电理赔。",
    ],
    "verification": [
        "【支付宝】校验码{code},用于身份核验,工作人员不会向您索取,请勿转发。",
        "【微信支付】验证码{code},用于绑定银行卡,5分钟内有效。",
        "【铁路12306】登录校验码{code},5分钟内有效,请勿泄露给他人。",
        "【{bank}】动态密码{code},您正在进行网上转账{amt}元,请勿泄露。",
    ],
    "marketing": [
        "【拼多多】百亿补贴限时返场,点击领取无门槛券,回T退订",
        "【中国移动】尊敬的客户,您本月套餐剩余流量3.2GB,办理加油包回1",
        "【步步高超市】会员日全场满100减20,凭短信享优惠,退订回T",
        "【{bank}】尊敬的客户,本行理财产品年化参考收益2.85%,理财有风险,投资需谨慎。",
        "【某招聘平台】您关注的岗位有新动态:仓库分拣员,月薪5500-7000,回T退订",
        "【华莱士】第二份半价,外卖下单立减8元,回T退订",
        "【美团】兼职骑手招募,时间自由,多劳多得,注册即送装备,回T退订",
        "【{bank}】您有一笔信用卡分期优惠待办理,详询官方客服热线,回T退订",
    ],
    "anti_fraud_warning": [
        "【国家反诈中心】刷单就是诈骗,凡是让你先垫付的都是骗子。有疑问请拨96110。",
        "【长沙公安】近期冒充客服退款诈骗高发,退款请通过购物平台官方渠道。",
        "【反诈提醒】公检法机关不会通过电话办案,更没有安全账户。",
        "【湖南公安】您好,您可能正在遭遇电信网络诈骗,请立即停止转账,如有疑问拨打96110。",
        "【工信部12381】您近期接触过涉诈号码,请提高警惕,勿向陌生账户转账。",
        "【反诈中心】网恋对象拉你投资的,100%是诈骗!",
    ],
}

# ---------------------------------------------------------------------------------------------
# Slot fillers.
# ---------------------------------------------------------------------------------------------

FIRMS = ["中信", "华泰", "东方财富", "平安", "招商", "蚂蚁", "度小满", "京东"]
SHOPS = ["淘宝", "拼多多", "京东", "抖音商城", "唯品会", "快手小店"]
GOODS = ["面膜", "电饭煲", "儿童奶粉", "运动鞋", "蓝牙耳机", "染发膏", "空气炸锅"]
APPS_MEETING = ["腾讯会议", "钉钉", "ZOOM", "云视讯", "瞩目"]
BOSSES = ["王总", "李局", "陈主任", "刘校长", "张经理", "周书记"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴"]
RELATIVES = ["表哥", "舅舅", "二姨", "堂弟", "老同学"]
CITIES = ["长沙", "株洲", "湘潭", "衡阳", "岳阳", "常德", "深圳", "广州", "上海", "杭州"]
GAMES = ["王者荣耀", "和平精英", "原神", "梦幻西游", "蛋仔派对", "逆水寒"]
BANKS_ZH = ["工商银行", "建设银行", "农业银行", "中国银行", "交通银行", "邮储银行", "招商银行", "湖南农信"]
STATIONS = ["小区北门驿站", "学府路菜鸟驿站", "幸福里快递柜", "万家丽店"]
COURIERS = ["李师傅", "王师傅", "小刘", "陈师傅"]
PAYEES = ["长沙某商贸有限公司", "刘某某", "湘某建材经营部", "黄某"]

_SLOT = re.compile(r"\{(\w+)\}")


def fill(template: str, rng: np.random.Generator, **given: str) -> str:
    """Fill the slots of one template."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in given:
            return given[name]
        return _filler(name, rng)

    return _SLOT.sub(one, template)


def _pick(rng: np.random.Generator, items: list[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _filler(name: str, rng: np.random.Generator) -> str:
    r = int(rng.integers(1 << 30))
    simple: dict[str, list[str]] = {
        "firm": FIRMS,
        "shop": SHOPS,
        "goods": GOODS,
        "app": APPS_MEETING,
        "boss": BOSSES,
        "surname": SURNAMES,
        "relative": RELATIVES,
        "city": CITIES,
        "game": GAMES,
        "bank": BANKS_ZH,
        "station": STATIONS,
        "courier": COURIERS,
        "payee": PAYEES,
        "platform_site": ["交易猫", "盼之", "螃蟹账号", "游戏宝"],
    }
    if name in simple:
        return _pick(rng, simple[name])
    if name == "small":
        return str([8, 10, 12, 15, 20, 30, 50, 88][r % 8])
    if name == "n":
        return str(2 + r % 18)
    if name == "amt":
        return f"{(r % 400 + 1) * 50}"
    if name == "bal":
        return f"{r % 90000}.{r % 100:02d}"
    if name == "code":
        return f"{r % 1000000:06d}"
    if name == "tail":
        return f"{r % 10000:04d}"
    if name == "mmdd":
        return f"{1 + r % 12:02d}月{1 + r % 28:02d}日"
    if name == "hhmm":
        return f"{r % 24:02d}:{r % 60:02d}"
    if name == "waybill":
        return f"SF{r % 10**9:09d}{r % 1000:03d}"
    if name == "phone_short":
        return f"1{3 + r % 7}{r % 10}****{r % 10000:04d}"
    if name == "qq":
        return str(100000000 + r % 3000000000)
    if name == "handle":
        return _pick(rng, ["V: ", "威:", "薇信 ", "扣扣 ", "QQ:", "➕V "]) + f"{chr(97 + r % 26)}{r % 100000}"
    if name == "url":
        return "www.example.cn"
    return "…"


# ---------------------------------------------------------------------------------------------
# Evasions seen in real scam SMS: spaced digits, homoglyphs, emoji, variant spellings.
# ---------------------------------------------------------------------------------------------

VARIANTS: list[tuple[str, list[str]]] = [
    ("微信", ["威信", "V信", "薇信", "wx", "VX", "徾信"]),
    ("QQ", ["扣扣", "Q Q", "qq", "企鹅"]),
    ("充值", ["冲值", "充 值", "c值"]),
    ("返利", ["反利", "返 利", "fan利"]),
    ("佣金", ["拥金", "佣 金", "yong金"]),
    ("兼职", ["兼 职", "jian职", "減职"]),
    ("贷款", ["代款", "贷 款", "dai款"]),
    ("下载", ["下 载", "DL"]),
    ("转账", ["转帐", "轉賬", "zhuan账"]),
    ("账户", ["帐户", "賬戶"]),
    ("刷单", ["S单", "刷 单"]),
    ("投资", ["投 资", "tou资"]),
    ("公安", ["公 安"]),
    ("验证码", ["验 证 码", "驗證碼"]),
]
EMOJI = ["💰", "🔥", "👉", "✅", "🧧", "📈", "💯", "⚡", "🎁", "❤️", "🙏", "😊"]
HOMOGLYPH = {"o": "о", "a": "а", "e": "е", "p": "р", "c": "с", "x": "х", "0": "O", "1": "l"}
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def disguise(text: str, rng: np.random.Generator, strength: float) -> str:
    """Apply some evasions to a scam text; `strength` in [0, 1] is how hard the sender tries."""
    if strength <= 0:
        return text
    for plain, alts in VARIANTS:
        if plain in text and rng.random() < strength * 0.6:
            text = text.replace(plain, _pick(rng, alts), 1)
    if rng.random() < strength * 0.4:
        text = re.sub(r"(\d)(?=\d)", lambda m: m.group(1) + " ", text, count=6)
    if rng.random() < strength * 0.2:
        text = text.translate(FULLWIDTH_DIGITS)
    if rng.random() < strength * 0.3:
        text = "".join(HOMOGLYPH.get(ch, ch) if rng.random() < 0.5 else ch for ch in text)
    if rng.random() < strength * 0.5:
        k = 1 + int(rng.integers(3))
        emo = "".join(_pick(rng, EMOJI) for _ in range(k))
        text = emo + text if rng.random() < 0.5 else text + emo
    if rng.random() < strength * 0.15:
        text = text.replace(",", "~", 2)
    return text


def all_templates() -> list[str]:
    """Every template string of this vocabulary (for the independence test)."""
    out: list[str] = []
    for stages in SCRIPTS.values():
        for stage in stages:
            out.extend(stage)
    out.extend(VICTIM_REPLIES)
    out.extend(FAMILY)
    out.extend(WORK)
    out.extend(FRIEND)
    for texts in LOOKALIKE_SMS.values():
        out.extend(texts)
    return out
