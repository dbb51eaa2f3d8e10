"""Writes corpus/reports/beyond-deepseek.pdf, the sample corpus's multi-page report (our own summary-style text).

The PDF is committed, so `make demo` needs no generation step; run this again only after editing the text:

    .venv/bin/python scripts/make_sample_pdf.py

Core fonts only (Latin-1), a fixed creation date and fixed file identifiers: the same text gives the same bytes.
Every page carries the same running footer, as real reports do; the reader drops it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "corpus" / "reports" / "beyond-deepseek.pdf"
HEADLINE = "Beyond DeepSeek"
SUBTITLE = "China's Diverse Open-Weight AI Ecosystem and Its Policy Implications"
TITLE = f"{HEADLINE}: {SUBTITLE}"
AUTHORS = "Caroline Meinhardt; Sabina Nong; Graham Webster; Tatsunori Hashimoto; Christopher D. Manning"
CREATED = dt.datetime(2025, 12, 16, 9, 0, tzinfo=dt.UTC)

# One list per page: ("h", heading) or ("p", paragraph).
PAGES: list[list[tuple[str, str]]] = [
    [
        ("t", HEADLINE),
        ("s", SUBTITLE),
        ("p", "Issue Brief, December 2025. A joint publication of the DigiChina Project at the Freeman Spogli "
              "Institute's Center for International Security and Cooperation (CISAC) and the Stanford Institute "
              "for Human-Centered Artificial Intelligence (HAI)."),
        ("h", "Key Takeaways"),
        ("p", "Chinese developers now release open-weight language models that perform at near state-of-the-art "
              "levels. On widely used benchmarks the best of them lead the open-weight field and trail the "
              "strongest proprietary American systems only narrowly."),
        ("p", "The ecosystem is far broader than one company. Alongside the Hangzhou startup DeepSeek, Alibaba, "
              "Moonshot AI, Zhipu AI, MiniMax, Tencent, Baidu, Huawei and ByteDance have all published capable "
              "open models, and their licences have become steadily more permissive."),
        ("p", "Adoption has followed capability. Alibaba's Qwen family became the most downloaded family of "
              "language models on Hugging Face in September 2025, overtaking Meta's Llama, and we estimate that "
              "63 percent of new fine-tuned models uploaded to the platform build on a Chinese base model."),
        ("p", "We argue that disengagement is not a realistic option for the United States. Selective engagement "
              "with Chinese labs, academics and policymakers on safety and governance would serve American "
              "interests better than a blanket retreat."),
    ],
    [
        ("h", "1. An Ecosystem, Not a Single Champion"),
        ("p", "DeepSeek-R1, released in January 2025 under an MIT licence, drew global attention to Chinese "
              "open-weight models. Yet R1 was one release among many. Alibaba had already published successive "
              "generations of Qwen, including Qwen2.5-72B in September 2024, and launched the Qwen3 family in "
              "April 2025 under the Apache 2.0 licence."),
        ("p", "Moonshot AI followed in July 2025 with Kimi K2, a mixture-of-experts model with roughly one "
              "trillion parameters. Zhipu AI, which grew out of Tsinghua University, continued its GLM series, "
              "and the Shanghai-based MiniMax released MiniMax-M1 with a context window of one million tokens. "
              "Baidu, long a defender of closed models, opened the weights of ERNIE 4.5 in June 2025."),
        ("p", "Between August 2024 and August 2025, downloads of models from Chinese developers accounted for "
              "17.1 percent of all Hugging Face downloads, slightly more than the 15.8 percent attributed to "
              "developers in the United States. We caution that download counts are an imperfect proxy for use: "
              "automated pipelines may inflate them, and many deployments never touch a public hub."),
        ("h", "2. Why Openness?"),
        ("p", "Several forces push Chinese developers toward open weights. American restrictions on exports of "
              "the most capable AI chips to China, in place since October 2022, reward labs that squeeze more "
              "performance out of less compute, and efficient open models travel well. Open releases also help "
              "firms recruit developers and win cloud customers abroad."),
        ("p", "The Chinese government's position is harder to read. Officials have praised open source in "
              "general terms, but we found no evidence of a directive ordering companies to publish weights."),
    ],
    [
        ("h", "3. Global Diffusion"),
        ("p", "Chinese open models are increasingly the foundation for other people's systems. AI Singapore, "
              "the national programme behind the SEA-LION models, built its latest release on Alibaba's Qwen "
              "rather than on Llama. In the United States, Meta agreed to acquire an agent startup whose product "
              "had relied in part on a Chinese open-weight model."),
        ("p", "This diffusion creates dependencies that are easy to miss. A developer in Jakarta or Nairobi who "
              "fine-tunes Qwen inherits its training choices, including any political filtering, and its "
              "security weaknesses."),
        ("h", "4. Safety and Security Concerns"),
        ("p", "Evaluations by the U.S. government's Center for AI Standards and Innovation (CAISI) found that "
              "agents built on a DeepSeek model were far more likely than American frontier models to follow "
              "malicious instructions planted in their inputs. Such findings are serious, but they concern "
              "specific model versions and are not a verdict on every Chinese release."),
        ("p", "Chinese-made open-weight models have become unavoidable in global AI competition. "
              "Academic collaboration with Chinese researchers could help the field understand the risks of "
              "open-weight AI models and how well different guardrails work."),
    ],
    [
        ("h", "5. Recommendations"),
        ("p", "First, American policymakers should measure the open-weight landscape directly rather than infer "
              "it from a few headline releases. The AI Index, compiled each year at HAI, will track Chinese and "
              "American open models side by side."),
        ("p", "Second, U.S. companies and universities should pursue selective engagement: joint safety "
              "evaluations, shared benchmarks for guardrails, and exchanges on incident reporting, while keeping "
              "sensitive technology out of reach."),
        ("p", "Third, export controls alone will not decide the contest. Restrictions on chips may slow Chinese "
              "labs at the frontier, but they have not stopped Chinese open models from spreading, and they may "
              "have encouraged the very efficiency that makes those models attractive."),
        ("p", "Finally, governments adopting foreign open models, including those of the European Union under "
              "the AI Act, should test them on their own terms before deployment."),
        ("h", "About the Authors"),
        ("p", "Graham Webster leads the DigiChina Project at Stanford University. Caroline Meinhardt and Sabina "
              "Nong work on policy research at HAI. Tatsunori Hashimoto and Christopher D. Manning are members "
              "of the Stanford computer science faculty."),
    ],
]


def build() -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(TITLE)
    pdf.set_author(AUTHORS)
    pdf.set_subject("Issue brief on Chinese open-weight AI models (sample corpus)")
    pdf.set_creator("policy-kg scripts/make_sample_pdf.py")
    pdf.set_producer("fpdf2")
    pdf.set_creation_date(CREATED)
    pdf.file_id = lambda: "<00112233445566778899AABBCCDDEEFF><00112233445566778899AABBCCDDEEFF>"
    pdf.set_auto_page_break(auto=False)
    for number, page in enumerate(PAGES, start=1):
        pdf.add_page()
        pdf.set_margins(20, 20, 20)
        pdf.set_xy(20, 20)
        for kind, text in page:
            if kind == "t":
                pdf.set_font("Helvetica", "B", 20)
                pdf.multi_cell(0, 10, text)
                pdf.ln(1)
            elif kind == "s":
                pdf.set_font("Helvetica", "B", 12)
                pdf.multi_cell(0, 7, text)
                pdf.ln(3)
            elif kind == "h":
                pdf.set_font("Helvetica", "B", 12)
                pdf.ln(2)
                pdf.multi_cell(0, 7, text)
                pdf.ln(1)
            else:
                pdf.set_font("Helvetica", "", 10.5)
                pdf.multi_cell(0, 5.5, text)
                pdf.ln(2.5)
        pdf.set_xy(20, 280)
        pdf.set_font("Helvetica", "I", 8)
        pdf.cell(0, 5, f"Stanford HAI and DigiChina | Issue Brief | page {number}")
    return bytes(pdf.output())


def main() -> None:
    data = build()
    tmp = OUT.with_suffix(".pdf.tmp")
    tmp.write_bytes(data)
    tmp.replace(OUT)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(data)} bytes, {len(PAGES)} pages)")


if __name__ == "__main__":
    main()
