"""The Japanese wording of the printed loan papers (agreement and return receipt), in one place.

They print in Japanese whatever the UI language: they are city forms. The agreement's clauses
live in ``loans.agreement_clauses`` (translated defaults, overridable per policy).
"""

from loans.models import Device

LABELS = {
    "agreement_title": "端末貸与同意書",
    "draft_suffix": "（下書き）",
    "draft_mark": "下書き",
    "draft_note": (
        "下書き：貸与の登録前に印刷したものです。内容をご確認ください。"
        "貸与番号は、登録後に印刷する正式な同意書に入ります。"
    ),
    "copy_resident": "利用者控え",
    "copy_office": "事務局控え",
    "loan_number": "貸与番号",
    "receipt_title": "端末返却受領書",
    "intro": (
        "{lender}（以下「貸与者」といいます）は、次の内容で端末をお貸しします。"
        "内容をご確認のうえ、最後の署名欄に署名してください。"
    ),
    "receipt_intro": "下記の端末の返却を受けました。",
    "resident": "利用者",
    "name": "氏名",
    "kana": "ふりがな",
    "birth_date": "生年月日",
    "address": "住所",
    "address_hint": "（ご記入ください）",
    "district": "地区",
    "phone": "電話番号",
    "contact": "連絡先の方",
    "relation": "続柄",
    "device_and_term": "お貸しする端末と期間",
    "device": "貸与端末",
    "device_name": "端末",
    "asset_tag": "管理番号",
    "serial": "製造番号",
    "imei": "IMEI",
    "sim_phone": "この端末の電話番号",
    "sim_phone_staff": "SIM電話番号",
    "kit": "付属品",
    "term": "貸与期間",
    "term_text": "{start}から{due}まで",
    "start": "貸与開始日",
    "renewals": "延長",
    "renewals_text": "{count}回まで（1回{days}日）",
    "renewals_none": "延長なし",
    "renewed": "（延長{count}回済み）",
    "venue": "貸与会場",
    "lender": "貸与者",
    "clauses": "約束していただくこと",
    "renewal_sentence": (
        "次に待っている方がいなければ、{count}回まで、1回につき{days}日延長できます。"
        "延長したいときは、返却期限の前に問い合わせ先へご連絡ください。"
    ),
    "renewal_sentence_none": "延長はできません。",
    "classes_sentence": "貸与期間中に、スマホ教室に{count}回参加してください。",
    "help_line": "問い合わせ先",
    "help_phone": "電話",
    "help_hours": "受付時間",
    "signatures": "署名",
    "consent_statement": "私は、この同意書の内容について説明を受け、理解し、同意します。",
    "signed_on": "署名日",
    "date_blank": "　　　　年　　　月　　　日",
    "signature_resident": "ご本人の署名",
    "signature_proxy": "代理人の署名",
    "proxy_name_relation": "代理人の氏名・続柄",
    "proxy_blank": "氏名（　　　　　　　　　）　続柄（　　　　　）",
    "proxy_only": "ご本人が署名できないときは、代理人の欄に記入してください。",
    "usage_consent": "利用データの分析（任意）",
    "consent_yes": "同意する",
    "consent_no": "同意しない",
    "box_on": "■",
    "box_off": "□",
    "signature_staff": "担当職員 署名",
    "staff_box": "職員記入欄（端末の識別番号・記録）",
    "lent_by": "登録した職員",
    "signature_record": "署名の記録",
    "signed_resident": "ご本人が署名",
    "signed_proxy": "代理人が署名：{name}（{relation}）",
    "unsigned": "未署名（理由：{reason}）",
    "return": "返却内容",
    "returned_on": "返却日",
    "kit_handed_over": "貸与時の付属品",
    "kit_returned": "返却された付属品",
    "kit_missing": "不足している付属品",
    "none": "なし",
    "condition": "端末の状態",
    "data_wiped_at": "データ消去確認日時",
    "received_by": "受領職員",
    "privacy": "個人情報を含みます。取り扱いと保管にご注意ください。",
    "copy_note": "本書は2部作成し、利用者控えを利用者が、事務局控えを貸与者が保管します。",
}
KIND_LABELS: dict[str, str] = {
    Device.Kind.SMARTPHONE: "スマートフォン",
    Device.Kind.TABLET: "タブレット",
    Device.Kind.ROUTER: "モバイルWi-Fiルーター",
}
CONDITION_LABELS: dict[str, str] = {
    Device.Condition.GOOD: "良好",
    Device.Condition.WORN: "使用感あり",
    Device.Condition.DAMAGED: "破損あり",
}
